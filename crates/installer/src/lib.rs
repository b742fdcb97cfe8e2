//! pyman's installer: the index of python-build-standalone builds, download,
//! verification, safe extraction and atomic installs into `PYMAN_HOME`.

// Tests may use std's file functions; the code they test uses fs_err.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod atomic;
pub mod auth;
pub mod build_values;
pub mod cache;
pub mod download;
pub mod env;
pub mod extract;
pub mod fsafe;
pub mod host;
pub mod index;
pub mod install;
pub mod lock;
pub mod managed;
pub mod mirror;
pub mod patches;
pub mod pbs_release;
pub mod probe;
pub mod refresh;
pub mod scratch;
pub mod support;
pub mod url;

pub use index::{Build, Index};
pub use install::{InstallError, Installer, Options, Outcome, Reporter};
