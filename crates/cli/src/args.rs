//! The command line: every flag and its help text. Command bodies live in `commands/`.

use clap::{Args, Parser, Subcommand};

/// pyman: a Python version manager that keeps interpreters clean and every
/// project's dependencies in its own virtual environment.
///
/// Which Python a folder gets: `PYMAN_PYTHON`, else the nearest `.python-version`
/// (or `.python-versions`, `.tool-versions`) walking up, else the nearest
/// `pyproject.toml` `requires-python`, else the global default (`pyman pin --global`).
#[derive(Debug, Parser)]
#[command(
    name = "pyman",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more about what pyman does
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Pin a Python version for this folder (writes `.python-version`)
    ///
    /// The request is checked and written in its canonical form. With no
    /// request, prints the version pinned here. Examples:
    ///   pyman pin 3.12
    ///   pyman pin '>=3.11,<3.13'
    ///   pyman pin --global 3.13
    ///   pyman pin webapp          (a named environment, pyman's or pyenv-virtualenv's)
    ///   pyman pin --rm
    #[command(verbatim_doc_comment)]
    Pin(PinArgs),
    /// Show which Python this folder selects, why, and where it is
    Current(CurrentArgs),
    /// Print the path of the executable a shim would run here
    ///
    /// `pyman which` is `pyman which python`; `pyman which pip`, `pyman which pytest`
    /// work the same way. Exits 1 when there is none.
    Which(WhichArgs),
    /// List installed and discovered interpreters, or the builds pyman can install
    List(ListArgs),
    /// Install Python versions from python-build-standalone
    ///
    /// With no request, installs what this folder selects. A request may also be
    /// the path or URL of an archive. Examples:
    ///   pyman install 3.12
    ///   pyman install 3.11 3.13t
    ///   pyman install ./cpython-3.12.4-x86_64-unknown-linux-gnu-install_only.tar.gz --sha256 …
    #[command(verbatim_doc_comment)]
    Install(InstallArgs),
    /// Remove interpreters that pyman installed (never discovered ones)
    Uninstall(UninstallArgs),
    /// Create a virtual environment (default: `.venv` beside the project's version file)
    ///
    /// Built natively in milliseconds, with pip from the interpreter's own
    /// bundled wheel (no network). The venv records the interpreter it was
    /// built from, so a pin that moves on is noticed.
    ///   pyman venv
    ///   pyman venv --python 3.11 .venv-311
    ///   pyman venv --recreate          (lists the old venv's packages first)
    #[command(verbatim_doc_comment)]
    Venv(VenvArgs),
    /// Run a command in the selected venv (its bin first on PATH, VIRTUAL_ENV set)
    ///
    ///   pyman run -- pip install requests
    ///   pyman run --python 3.11 -- python -m pytest
    #[command(verbatim_doc_comment)]
    Run(RunArgs),
    /// Install the newest patch of each installed minor version, and move venvs to it
    Upgrade(UpgradeArgs),
    /// Move this project's venv to another Python, with its packages
    ///
    /// Builds the new venv beside the old one and installs the same packages with
    /// its pip (the project's requirements*.txt or pyproject.toml dependencies when
    /// it has them, else the old venv's `pip freeze`, editable installs kept). Only
    /// when all installed and `pip check` passed are the pin rewritten and the venvs
    /// swapped; the old venv is kept as `.venv.old-<minor>`. Examples:
    ///   pyman migrate 3.13
    ///   pyman migrate --dry-run 3.14     (what would not install, changing nothing)
    #[command(verbatim_doc_comment)]
    Migrate(MigrateArgs),
    /// The download cache: archives kept by sha256 (`PYMAN_CACHE_DIR`), shared by homes
    ///
    ///   pyman cache dir
    ///   pyman cache size
    ///   pyman cache clean --older-than 30
    #[command(verbatim_doc_comment, subcommand)]
    Cache(CacheCommand),
    /// Download builds into a folder that serves as a mirror (air-gapped networks)
    ///
    /// The folder gets the release layout, `<tag>/<asset>`, `<tag>/SHA256SUMS` and
    /// `latest-release.json`, plus a uv-format `downloads.json`. Serve it with any
    /// static web server, or use it as `PYMAN_MIRROR=file:///DIR`. Run again to
    /// add to it: what is there and verified is skipped. Examples:
    ///   pyman mirror /srv/pbs 3.12 3.13
    ///   pyman mirror /srv/pbs 3.12 --platform linux-x86_64-gnu --platform windows-x86_64-none
    ///   pyman mirror /srv/pbs --all-platforms --dry-run
    #[command(verbatim_doc_comment)]
    Mirror(MirrorArgs),
    /// Set pyman up for this user: data folders, shims, and PATH in the shell's rc files
    ///
    /// Writes one marked block into the rc files of your shell (bash: ~/.bashrc
    /// and ~/.profile or ~/.bash_profile; zsh: ~/.zshenv; fish: conf.d/pyman.fish;
    /// PowerShell: $PROFILE), replaced in place on every run.
    Setup(SetupArgs),
    /// Check that pyman works here, and say how to fix what does not
    ///
    /// Shims first on PATH and not shadowed by pyenv, asdf, mise or a system
    /// python; every pin in this folder chain resolves; every venv matches its
    /// pin; the data folder is writable. Exits 1 when something is wrong.
    Doctor(DoctorArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    ///
    ///   pyman completions bash > ~/.local/share/bash-completion/completions/pyman
    ///   pyman completions zsh > ~/.zfunc/_pyman
    ///   pyman completions fish > ~/.config/fish/completions/pyman.fish
    #[command(verbatim_doc_comment)]
    Completions(CompletionsArgs),
    /// Update or remove pyman itself
    #[command(name = "self", subcommand)]
    SelfCmd(SelfCommand),
    /// Rebuild the shims and pyman's inventory of interpreters
    ///
    /// Commands that change what is installed do this themselves; run it after
    /// installing an interpreter with another tool.
    Rehash,
    /// Applications in their own venvs: each tool's commands on PATH, its
    /// dependencies apart from every other's
    ///
    ///   pyman tool install ruff black
    ///   pyman tool install 'httpie>=3' --python 3.12 --with pysocks
    ///   pyman tool list
    ///   pyman tool upgrade --all --python 3.13
    ///   pyman tool run pycowsay -- hello
    ///   pyman tool uninstall black
    #[command(verbatim_doc_comment, subcommand)]
    Tool(ToolCommand),
}

#[derive(Debug, Args)]
pub struct PinArgs {
    /// The version to pin: 3.12, 3.12.4, 3.13t, >=3.11,<3.13, system, a path…
    pub request: Option<String>,
    /// Set the global default (`$PYMAN_HOME/version`) instead of this folder's pin
    #[arg(long)]
    pub global: bool,
    /// Do not create the project's `.venv` when there is none
    #[arg(long)]
    pub no_venv: bool,
    /// Remove the pin that applies here (with `--global`, the global default)
    #[arg(long, conflicts_with_all = ["request", "no_venv", "force"])]
    pub rm: bool,
    /// Write the pin even when `pyproject.toml`'s `requires-python` excludes it
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VenvArgs {
    /// Where to create it (default: `.venv` beside the version file, else here)
    pub path: Option<std::path::PathBuf>,
    /// A named environment in pyman's data folder, selected by writing its
    /// name in `.python-version` (as pyenv-virtualenv's are)
    #[arg(long, value_name = "NAME", conflicts_with = "path")]
    pub name: Option<String>,
    /// Build it from this interpreter instead of the selected one
    #[arg(long, value_name = "REQUEST")]
    pub python: Option<String>,
    /// Replace an existing venv (its packages are listed first)
    #[arg(long)]
    pub recreate: bool,
    /// Do not install pip into it
    #[arg(long)]
    pub without_pip: bool,
    /// The name shown in the shell prompt when activated
    #[arg(long)]
    pub prompt: Option<String>,
    /// Create the interpreter's default venv (used outside projects) instead
    #[arg(long, conflicts_with_all = ["path", "name", "recreate", "without_pip", "prompt"])]
    pub default: bool,
    /// Remove the old venvs `pyman migrate` kept (`.venv.old-*`) in this project
    #[arg(long, conflicts_with_all = ["path", "name", "recreate", "without_pip", "prompt", "default", "python"])]
    pub prune: bool,
    /// List every venv pyman created, with its Python, support status and whether it is stale
    #[arg(long, conflicts_with_all = ["path", "name", "recreate", "without_pip", "prompt", "default", "python", "prune"])]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Use this interpreter's venv instead of the selection's
    #[arg(long, value_name = "REQUEST")]
    pub python: Option<String>,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Only these minor versions (default: every installed one)
    pub requests: Vec<String>,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct CurrentArgs {
    /// Print JSON for scripts
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when the selected Python is past its end of life (for CI)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct WhichArgs {
    /// The command name, as a shim would be called
    #[arg(default_value = "python")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show the builds that can be installed for this machine instead
    #[arg(long)]
    pub available: bool,
    /// With `--available`: only builds matching this request (e.g. 3.12)
    pub request: Option<String>,
    /// Print JSON for scripts
    #[arg(long)]
    pub json: bool,
    /// With `--available`: every build, not only the newest patch of each minor
    #[arg(long, requires = "available")]
    pub all: bool,
    /// Only installed interpreters that have a newer patch (security fixes)
    #[arg(long, conflicts_with = "available")]
    pub outdated: bool,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args, Clone)]
pub struct IndexArgs {
    /// Use this downloads JSON (python-build-standalone format) instead of the built-in index
    #[arg(long, env = "PYMAN_DOWNLOADS_JSON", value_name = "URL|PATH")]
    pub downloads_json: Option<String>,
    /// Replace the GitHub release base URL of every build with this mirror
    #[arg(long, env = "PYMAN_MIRROR", value_name = "URL", hide_env_values = true)]
    pub mirror: Option<String>,
    /// Check for a newer python-build-standalone release now (else once a day)
    #[arg(long)]
    pub refresh: bool,
    /// Neither read nor fill the download cache
    #[arg(long, env = "PYMAN_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,
    /// Make no network request: install from the download cache or a file:// mirror
    #[arg(long, env = "PYMAN_OFFLINE", value_parser = clap::builder::FalseyValueParser::new())]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Versions to install (3.12, 3.13t, …) or archive paths/URLs; default: this folder's selection
    pub requests: Vec<String>,
    /// Replace an existing install of the same build
    #[arg(long)]
    pub reinstall: bool,
    /// The expected sha256 of an archive given by path or URL
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,
    /// Windows: do not register the install under PEP 514 (for `py` and IDEs)
    #[arg(long)]
    pub no_registry: bool,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Versions to remove (3.12, 3.12.4, cpython-3.12.4-linux-x86_64-gnu, …)
    #[arg(required = true)]
    pub requests: Vec<String>,
    /// Remove it even when project venvs use it (they stop working)
    #[arg(long)]
    pub force: bool,
}

/// Where an archive given on the command line comes from.
pub fn is_archive_argument(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    [".tar.gz", ".tgz", ".tar.zst", ".zip"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("file://")
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Do not change any rc file; print what to add instead
    #[arg(long)]
    pub no_modify_path: bool,
    /// Only print the PATH snippet for this shell (bash, zsh, fish, powershell, sh)
    #[arg(long, value_name = "SHELL")]
    pub print: Option<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The Python to move to: 3.13, 3.13.1, …
    pub request: String,
    /// Resolve what would be installed and name what would not, changing nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Install the requested Python first when it is missing
    #[arg(long)]
    pub install: bool,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache folder
    Dir,
    /// Print how many archives the cache holds and their total size
    Size,
    /// Remove cached archives (all, or those older than --older-than days)
    Clean {
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ToolCommand {
    /// Install applications, each in its own venv, with their commands on PATH
    ///
    /// SPEC is what pip takes: a name with a version specifier, a path, a
    /// wheel, a URL. pip's own configuration applies (index, find-links,
    /// certificates). Examples:
    ///   pyman tool install ruff
    ///   pyman tool install 'black>=24' --with 'black[d]'
    ///   pyman tool install ./dist/mytool-1.0-py3-none-any.whl --python 3.12
    #[command(verbatim_doc_comment)]
    Install(ToolInstallArgs),
    /// List the installed tools: version, Python and its support status, commands
    List {
        /// Print JSON for scripts
        #[arg(long)]
        json: bool,
    },
    /// Upgrade tools within what was asked, or move them to another Python
    ///
    /// With `--python`, each tool is rebuilt on that Python beside the old one
    /// and swapped in only once it installed; a broken tool (its Python gone)
    /// is rebuilt from what was asked. Examples:
    ///   pyman tool upgrade ruff
    ///   pyman tool upgrade --all --python 3.13
    #[command(verbatim_doc_comment)]
    Upgrade(ToolUpgradeArgs),
    /// Remove tools: their venvs and their commands
    Uninstall {
        /// The tools to remove
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Run an application without installing it, from a cached venv (`uvx`)
    ///
    ///   pyman tool run pycowsay -- hello
    ///   pyman tool run --from 'httpie>=3' http -- example.org
    ///   pyman tool run ruff@0.5.0 -- check .
    #[command(verbatim_doc_comment)]
    Run(ToolRunArgs),
}

#[derive(Debug, Args)]
pub struct ToolInstallArgs {
    /// What to install, as pip takes it
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<String>,
    /// The Python to build the tool's venv on (default: the selected one)
    #[arg(long, value_name = "REQUEST")]
    pub python: Option<String>,
    /// More requirements for the same venv (plugins, extras)
    #[arg(long = "with", value_name = "REQ")]
    pub with: Vec<String>,
    /// Reinstall a tool that exists, and take over commands another tool provides
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ToolUpgradeArgs {
    /// The tools to upgrade
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub names: Vec<String>,
    /// Every installed tool
    #[arg(long)]
    pub all: bool,
    /// Rebuild on this Python, swapping only once it installed
    #[arg(long, value_name = "REQUEST")]
    pub python: Option<String>,
}

#[derive(Debug, Args)]
pub struct ToolRunArgs {
    /// The command to run (`name`, or `name@version`)
    pub command: String,
    /// The package that provides the command, when its name differs
    #[arg(long, value_name = "SPEC")]
    pub from: Option<String>,
    /// More requirements for the venv
    #[arg(long = "with", value_name = "REQ")]
    pub with: Vec<String>,
    /// The Python to run it on
    #[arg(long, value_name = "REQUEST")]
    pub python: Option<String>,
    /// Arguments for the command
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// The mirror folder (created when missing)
    pub dir: std::path::PathBuf,
    /// Versions to mirror (3.12, 3.13t, 3.12.4…); default: the newest patch of every supported minor
    pub requests: Vec<String>,
    /// A platform to mirror (`linux-x86_64-gnu`, `darwin-aarch64-none` or `macos-aarch64-none`, `windows-x86_64-none`,
    /// or a target triple); default: this machine's. Repeatable
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Vec<String>,
    /// Every platform the index knows
    #[arg(long, conflicts_with = "platform")]
    pub all_platforms: bool,
    /// List what would be downloaded, and download nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Subcommand)]
pub enum SelfCommand {
    /// Replace pyman and pyman-shim with the newest release (PYMAN_DOWNLOAD_URL for mirrors)
    Update,
    /// Remove pyman's binaries and rc-file blocks, and (confirmed, or with --yes) its data folder
    Uninstall {
        /// Also remove PYMAN_HOME (interpreters, venvs, shims) without asking
        #[arg(long)]
        yes: bool,
    },
}
