/**
 * ImmutOS specification: the value model, EDN, the Kernel interface and the TS mirrors of the
 * TLA+ modules. One line per module.
 * @module
 */
export * from './Values.js';
export * from './codec/Edn.js';
export * from './Errors.js';
export * from './Prelude.js';
export * from './Kernel.js';
export * from './SpecModule.js';
export * from './codec/Binary.js';
export * from './SpecEngine.js';
export * from './SpecMutants.js';
export * from './Random.js';
export * from './Memory.js';
export * from './AtomHistory.js';
export { CodeError, compileOpCode, isModelledCode, type CompiledCode, type OpFunction } from './OpCode.js';
export * as AtomsSpec from './Atoms.js';
export * as ForkSpec from './Fork.js';
export * as CapabilitiesSpec from './Capabilities.js';
export { ModelConstantsError, type TlaJson } from './MirrorSupport.js';
export * as KernelActions from './KernelActions.js';
export * as KernelSpec from './KernelSpec.js';
export * from './Hash.js';
export { type KernelCallName, type SharedImpl, type KernelCallSignature, KERNEL_CALL_TABLE } from './lang/kernelCalls.js';
export { type BuiltinFn } from './lang/builtins.js';
export { type MutantEntry } from './KernelMutants.js';
export { isNat, readOpArgument, readOp, readNat, readFnSource, readLoadInput, showOpField, type LoadInput } from './OpInput.js';
export * from './Store.js';
export * as DurableSpec from './Durable.js';
