# Installs pyman and pyman-shim on Windows (PowerShell 5.1 and 7), then runs `pyman setup`.
#
# From a checkout it builds them with cargo; otherwise it downloads the release
# archive for this CPU and checks its sha256:
#
#     .\install.ps1
#     irm https://github.com/pyman-dev/pyman/releases/latest/download/install.ps1 | iex
#
# Re-running upgrades in place. Variables: PYMAN_INSTALL_DIR (default
# %LOCALAPPDATA%\pyman\bin), PYMAN_DOWNLOAD_URL (a mirror holding VERSION and
# pyman-<version>-<target>.zip with .sha256), PYMAN_HOME.
param(
    [switch]$NoModifyPath,
    [switch]$Help
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$DefaultDownloadUrl = 'https://github.com/pyman-dev/pyman/releases/latest/download'

function Say([string]$Message) { [Console]::Error.WriteLine("pyman-install: $Message") }
function Fail([string]$Message) { Say "error: $Message"; exit 1 }

if ($Help) {
    Write-Output 'install.ps1: install pyman and pyman-shim'
    Write-Output 'Usage: install.ps1 [-NoModifyPath] [-Help]'
    Write-Output '  -NoModifyPath  do not change the user PATH; print what to add instead'
    Write-Output 'Environment: PYMAN_INSTALL_DIR, PYMAN_DOWNLOAD_URL, PYMAN_HOME'
    exit 0
}

function Get-Target {
    $arch = $env:PROCESSOR_ARCHITECTURE
    if ($env:PROCESSOR_ARCHITEW6432) { $arch = $env:PROCESSOR_ARCHITEW6432 }
    switch ($arch) {
        'AMD64' { return 'x86_64-pc-windows-msvc' }
        'x86' { return 'i686-pc-windows-msvc' }
        default { Fail "no pyman release for CPU $arch; build from source with cargo" }
    }
}

function Get-File([string]$Url, [string]$OutFile) {
    # TLS 1.2 for PowerShell 5.1, which defaults to older protocols.
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    try {
        if ($Url.StartsWith('file://')) { Copy-Item -LiteralPath ([Uri]$Url).LocalPath -Destination $OutFile }
        else { Invoke-WebRequest -UseBasicParsing -Uri $Url -OutFile $OutFile }
    } catch { Fail "cannot download ${Url}: $($_.Exception.Message)" }
}

$InstallDir = if ($env:PYMAN_INSTALL_DIR) { $env:PYMAN_INSTALL_DIR } else { Join-Path $env:LOCALAPPDATA 'pyman\bin' }
$Tmp = Join-Path ([IO.Path]::GetTempPath()) ("pyman-install-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Path $Tmp | Out-Null
try {
    $Src = $PSScriptRoot
    if ($Src -and (Test-Path (Join-Path $Src 'Cargo.toml')) -and (Test-Path (Join-Path $Src 'crates\cli'))) {
        if (-not (Get-Command cargo -ErrorAction SilentlyContinue)) { Fail 'cargo is needed to build from a checkout (https://rustup.rs)' }
        Say "building pyman from $Src"
        Push-Location $Src
        try { cargo build --release --locked -p pyman -p pyman-shim; if ($LASTEXITCODE -ne 0) { Fail 'the build failed' } }
        finally { Pop-Location }
        $Bin = Join-Path $Src 'target\release'
    } else {
        $Target = Get-Target
        $Base = if ($env:PYMAN_DOWNLOAD_URL) { $env:PYMAN_DOWNLOAD_URL.TrimEnd('/') } else { $DefaultDownloadUrl }
        Get-File "$Base/VERSION" (Join-Path $Tmp 'VERSION')
        $Version = (Get-Content (Join-Path $Tmp 'VERSION') -Raw).Trim()
        if (-not $Version) { Fail "$Base/VERSION is empty" }
        $Archive = "pyman-$Version-$Target.zip"
        Say "downloading pyman $Version for $Target"
        Get-File "$Base/$Archive" (Join-Path $Tmp $Archive)
        Get-File "$Base/$Archive.sha256" (Join-Path $Tmp "$Archive.sha256")
        $Expected = ((Get-Content (Join-Path $Tmp "$Archive.sha256") -Raw).Trim() -split '\s+')[0].ToLowerInvariant()
        $Actual = (Get-FileHash -Algorithm SHA256 (Join-Path $Tmp $Archive)).Hash.ToLowerInvariant()
        if ($Expected -ne $Actual) { Fail "checksum mismatch for $Base/${Archive}: expected $Expected, got $Actual; nothing was installed" }
        Expand-Archive -LiteralPath (Join-Path $Tmp $Archive) -DestinationPath (Join-Path $Tmp 'x')
        $Found = Get-ChildItem -Path (Join-Path $Tmp 'x') -Recurse -Filter 'pyman.exe' | Select-Object -First 1
        if (-not $Found) { Fail "$Archive lacks pyman.exe" }
        $Bin = $Found.DirectoryName
        if (-not (Test-Path (Join-Path $Bin 'pyman-shim.exe'))) { Fail "$Archive lacks pyman-shim.exe" }
    }

    New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
    foreach ($b in @('pyman-shim.exe', 'pyman.exe')) {
        $Dest = Join-Path $InstallDir $b
        # A running .exe cannot be overwritten, but it can be renamed away.
        if (Test-Path $Dest) { Move-Item -Force $Dest "$Dest.old" }
        Copy-Item (Join-Path $Bin $b) $Dest
        Remove-Item -Force "$Dest.old" -ErrorAction SilentlyContinue
    }
    Say "installed pyman.exe and pyman-shim.exe into $InstallDir"

    $Pyman = Join-Path $InstallDir 'pyman.exe'
    if ($NoModifyPath) {
        & $Pyman setup --no-modify-path
    } else {
        & $Pyman setup
        # The user PATH (registry), so new terminals of any shell see pyman and its shims.
        $Home_ = if ($env:PYMAN_HOME) { $env:PYMAN_HOME } else { Join-Path $env:LOCALAPPDATA 'pyman' }
        $Shims = Join-Path $Home_ 'shims'
        $UserPath = [Environment]::GetEnvironmentVariable('Path', 'User')
        $Parts = @($UserPath -split ';' | Where-Object { $_ -and $_ -ne $Shims -and $_ -ne $InstallDir })
        [Environment]::SetEnvironmentVariable('Path', (@($Shims, $InstallDir) + $Parts) -join ';', 'User')
        Say "put $Shims and $InstallDir first on your user PATH; open a new terminal"
    }
    if ($LASTEXITCODE -ne 0) { Fail 'pyman setup failed' }
} finally {
    Remove-Item -Recurse -Force $Tmp -ErrorAction SilentlyContinue
}
