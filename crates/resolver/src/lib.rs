//! pyman's resolver: everything that decides which interpreter a folder gets.
//!
//! Shared by the `pyman` binary and the `pyman-shim`, so it is synchronous,
//! uses std alone at run time, and reads no more files than the answer needs.

// std's file functions, not fs_err: this crate is on the shim's path, where
// every dependency costs every `python` call; its errors name their paths.
#![allow(clippy::disallowed_methods)]

pub mod env;
pub mod hint;
pub mod home;
pub mod inventory;
pub mod platform;
pub mod project;
pub mod pyenv;
pub mod request;
pub mod selection;
pub mod specifier;
pub mod target;
pub mod tool;
pub mod trust;
pub mod venv;
pub mod version;
pub mod version_file;

pub use env::Env;
pub use hint::Hint;
pub use home::PymanHome;
pub use inventory::{Interpreter, Inventory, Origin};
pub use request::VersionRequest;
pub use selection::{Selection, SelectionSource, select};
pub use target::{
    Context, Resolved, Target, TargetError, TargetKind, find_target, find_target_or_next,
};
pub use version::{Variant, Version};
