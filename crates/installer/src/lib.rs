//! pyman's installer: the index of python-build-standalone builds, download,
//! verification, safe extraction and atomic installs into `PYMAN_HOME`.

pub mod managed;
