//! pivm-jit: compiles verified IR to native code with Cranelift, emitting
//! the snapshot protocol (poll, unwind, rewind) into the generated code.
//! It owns the runtime ABI (`abi`): the `VmCtx` layout and the builtin
//! table, which `vm` implements.

pub mod abi;
