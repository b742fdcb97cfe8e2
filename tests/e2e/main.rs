//! End-to-end tests of the built `pyman` and `pyman-shim` binaries: real
//! CPython interpreters, a real HTTP server on 127.0.0.1, temporary folders.
//! One test binary, so CI links once.

// Test support code: a failed setup step should panic with its cause.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::disallowed_methods)]

mod adopt;
mod clean;
mod common;
mod fixtures;
mod fleet;
mod hostile;
mod install;
mod migrate;
mod native;
mod nginx;
mod pin;
mod probing;
mod releases;
mod server;
mod setup;
mod shim;
mod tool;
mod venv;
mod windows;
