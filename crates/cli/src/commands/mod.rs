pub mod current;
pub mod install;
pub mod list;
pub mod pin;
pub mod rehash;
pub mod uninstall;
pub mod which;
