//! Request forms from astral-sh/uv's own tests, each labelled with the uv
//! test it comes from, so a user who writes what uv accepts gets the same
//! interpreter from pyman. Where pyman deliberately reads a form another
//! way, the case says so (and docs/version-files.md, "Coming from uv").

// Test code: a failed setup step should panic with its cause.
#![allow(
    clippy::unwrap_used,
    clippy::disallowed_methods,
    clippy::type_complexity
)]

use pyman_resolver::request::{RequestError, parse_line};
use pyman_resolver::{Variant, Version, VersionRequest};

/// `Ok(canonical)`: parses, and pyman writes it back as `canonical`.
/// `Err(word)`: refused, with `word` in the message.
type Expect = Result<&'static str, &'static str>;

const CASES: &[(&str, &str, Expect)] = &[
    // crates/uv-python/src/discovery.rs: interpreter_request_from_str
    (
        "discovery.rs:interpreter_request_from_str",
        "any",
        Ok("any"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "default",
        Ok("any"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "3.12",
        Ok("3.12"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        ">=3.12",
        Ok(">=3.12"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        ">=3.12,<3.13",
        Ok(">=3.12, <3.13"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "3.13.0a1",
        Ok("3.13.0a1"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "3.13.0b5",
        Ok("3.13.0b5"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "3.13.0rc1",
        Ok("3.13.0rc1"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "3.13.1rc1",
        Ok("3.13.1rc1"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "3rc1",
        Err("not a valid"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "cpython",
        Ok("any"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "cpython3.12.2",
        Ok("3.12.2"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "cpython-3.13.2",
        Ok("3.13.2"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "cpython-3.13.2-macos-aarch64-none",
        Ok("3.13.2"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "any-3.13.2",
        Ok("3.13.2"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "any-3.13.2-any-aarch64",
        Ok("3.13.2"),
    ),
    // pyman installs CPython only; other implementations are said to be so.
    (
        "discovery.rs:interpreter_request_from_str",
        "pypy",
        Err("PyPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "pp",
        Err("PyPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "graalpy",
        Err("GraalPy"),
    ),
    ("discovery.rs:interpreter_request_from_str", "cp", Ok("any")),
    (
        "discovery.rs:interpreter_request_from_str",
        "pypy3.10",
        Err("PyPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "pp310",
        Err("PyPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "graalpy3.10",
        Err("GraalPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "gp310",
        Err("GraalPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "cp38",
        Ok("3.8"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "pypy@3.10",
        Err("PyPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "pypy310",
        Err("PyPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "graalpy@3.10",
        Err("GraalPy"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "graalpy310",
        Err("GraalPy"),
    ),
    // pyman takes absolute paths only (a version file is read from any folder).
    (
        "discovery.rs:interpreter_request_from_str",
        "./foo",
        Err("relative path"),
    ),
    (
        "discovery.rs:interpreter_request_from_str",
        "3.13t",
        Ok("3.13t"),
    ),
    // discovery.rs: interpreter_request_to_canonical_string (pyman's canonical forms)
    (
        "discovery.rs:interpreter_request_to_canonical_string",
        "313rc4",
        Ok("3.13.0rc4"),
    ),
    (
        "discovery.rs:interpreter_request_to_canonical_string",
        "3.14.5rc1",
        Ok("3.14.5rc1"),
    ),
    (
        "discovery.rs:interpreter_request_to_canonical_string",
        "cpython@3.12.2",
        Ok("3.12.2"),
    ),
    // discovery.rs: version_request_from_str
    ("discovery.rs:version_request_from_str", "3", Ok("3")),
    ("discovery.rs:version_request_from_str", "3.12", Ok("3.12")),
    (
        "discovery.rs:version_request_from_str",
        "3.12.1",
        Ok("3.12.1"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "1.foo.1",
        Err("not a valid"),
    ),
    ("discovery.rs:version_request_from_str", "38", Ok("3.8")),
    ("discovery.rs:version_request_from_str", "312", Ok("3.12")),
    ("discovery.rs:version_request_from_str", "3100", Ok("3.100")),
    (
        "discovery.rs:version_request_from_str",
        "3.13a1",
        Ok("3.13.0a1"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "313b1",
        Ok("3.13.0b1"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.13.0b2",
        Ok("3.13.0b2"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.13.0rc3",
        Ok("3.13.0rc3"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.14.5rc1",
        Ok("3.14.5rc1"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.12-dev",
        Err("not a valid"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.12+local",
        Err("not a valid"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.12.post0",
        Err("not a valid"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "31000",
        Err("not a valid"),
    ),
    ("discovery.rs:version_request_from_str", "3t", Ok("3t")),
    ("discovery.rs:version_request_from_str", "313t", Ok("3.13t")),
    (
        "discovery.rs:version_request_from_str",
        ">=3.13t",
        Ok(">=3.13t"),
    ),
    (
        "discovery.rs:version_request_from_str",
        ">=3.12,<3.14t",
        Ok(">=3.12, <3.14t"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.13tt",
        Err("not a valid"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "3.12\u{b2}t",
        Err("not a valid"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "==3.12",
        Ok("3.12"),
    ),
    (
        "discovery.rs:version_request_from_str",
        "==3.12.1",
        Ok("3.12.1"),
    ),
    (
        "discovery.rs:version_request_from_specifiers",
        "==3.12.*",
        Ok("==3.12.*"),
    ),
    (
        "discovery.rs:version_request_from_specifiers",
        ">=3.12,<3.14",
        Ok(">=3.12, <3.14"),
    ),
    (
        "discovery.rs:test_try_split_prefix_and_version",
        "@3",
        Err("not a valid"),
    ),
    (
        "discovery.rs:test_try_split_prefix_and_version",
        "python@3",
        Ok("3"),
    ),
    (
        "discovery.rs:test_try_split_prefix_and_version",
        "python3notaversion",
        Err("environment"),
    ),
    (
        "discovery.rs:intersects_requires_python_implementation_range",
        "cpython@>=3.12,<3.13",
        Ok(">=3.12, <3.13"),
    ),
    // crates/uv-python/src/downloads.rs
    (
        "downloads.rs:test_python_download_request_from_str_complete",
        "cpython-3.12.0-linux-x86_64-gnu",
        Ok("3.12.0"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_with_any",
        "any-3.11-any-x86_64-any",
        Ok("3.11"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_version_only",
        "3.10.5",
        Ok("3.10.5"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_implementation_only",
        "cpython",
        Ok("any"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_prerelease",
        "cpython-3.13.0rc1",
        Ok("3.13.0rc1"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_too_many_parts",
        "cpython-3.12-linux-x86_64-gnu-extra",
        Err("not a valid"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_empty",
        "",
        Err("empty"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_all_any",
        "any-any-any-any-any",
        Ok("any"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_case_insensitive_any",
        "ANY-3.11-Any-x86_64-aNy",
        Ok("3.11"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_out_of_order",
        "3.12-cpython",
        Err("not a valid"),
    ),
    (
        "downloads.rs:test_python_download_request_from_str_too_many_any",
        "any-any-any-any-any-any",
        Err("`any-any-any-any-any-any`"),
    ),
    (
        "downloads.rs:python_request_as_pep440_version",
        "cpython-macos-aarch64-none",
        Ok("any"),
    ),
    // crates/uv-python/src/installation.rs: uv's install folders
    (
        "installation.rs:test_python_installation_key_from_str",
        "cpython-3.11.2-linux-x86_64_v3-musl",
        Ok("3.11.2"),
    ),
    (
        "installation.rs:test_python_installation_key_from_str",
        "cpython-3.13.0+freethreaded-macos-aarch64-none",
        Ok("3.13.0t"),
    ),
    // crates/uv/tests/it/tool_run.rs
    (
        "tool_run.rs:tool_run_python_at_version",
        "python",
        Ok("any"),
    ),
    (
        "tool_run.rs:tool_run_python_at_version",
        "python@3.12",
        Ok("3.12"),
    ),
    (
        "tool_run.rs:tool_run_python_at_version",
        "python3.11",
        Ok("3.11"),
    ),
    (
        "tool_run.rs:tool_run_python_at_version",
        "python311",
        Ok("3.11"),
    ),
    (
        "tool_run.rs:tool_run_python_at_version",
        "cpython311",
        Ok("3.11"),
    ),
    (
        "tool_run.rs:tool_run_python_at_version",
        "python@3.300",
        Err("not a valid"),
    ),
    (
        "tool_run.rs:tool_run_python_at_version",
        "python@latest",
        Err("latest"),
    ),
    ("lib.rs:find_python_all_minors", ">= 3.11", Ok(">=3.11")),
    // crates/uv/tests/it/python_find.rs
    ("python_find.rs:python_find", "==3.12.*", Ok("==3.12.*")),
    ("python_find.rs:python_find", "cpython@3.12", Ok("3.12")),
    ("python_find.rs:python_find", "cpython-3.12", Ok("3.12")),
    ("python_find.rs:python_find", "any-3.12-any", Ok("3.12")),
    (
        "python_find.rs:python_find",
        "cpython-3.12-linux-x86_64",
        Ok("3.12"),
    ),
    (
        "python_find.rs:python_find_unsupported_version",
        "3.12t",
        Err("free-threaded builds exist from Python 3.13"),
    ),
    (
        "python_find.rs:python_find_unsupported_version",
        "<3.0",
        Ok("<3.0"),
    ),
    (
        "python_find.rs:python_required_python_major_minor",
        ">=3.11.4, <3.12",
        Ok(">=3.11.4, <3.12"),
    ),
    (
        "python_find.rs:python_find_freethreaded_314",
        "3.14+gil",
        Ok("3.14"),
    ),
    (
        "python_find.rs:python_find_freethreaded_314",
        "3.14+freethreaded",
        Ok("3.14t"),
    ),
    ("python_find.rs:python_find_equal", "==3.11", Ok("3.11")),
    (
        "python_find.rs:python_find_prerelease_version_specifiers",
        ">3.14.0rc2",
        Ok(">3.14.0rc2"),
    ),
    // crates/uv/tests/it/python_pin.rs (pyman writes its own canonical forms)
    ("python_pin.rs:python_pin", "cp3.12", Ok("3.12")),
    (
        "python_pin.rs:python_pin_compatible_with_requires_python",
        "cpython@3.10",
        Ok("3.10"),
    ),
    (
        "python_pin.rs:python_pin_compatible_with_requires_python",
        ">3.8,<3.11",
        Ok(">3.8, <3.11"),
    ),
    // pyman refuses debug builds, which it does not install.
    ("pyman", "3.13+debug", Err("debug")),
];

#[test]
fn uv_request_forms() {
    let mut failures = Vec::new();
    for (source, input, expect) in CASES {
        let got = input.parse::<VersionRequest>();
        let ok = match (&got, expect) {
            (Ok(r), Ok(canonical)) => {
                // The canonical form reads back as the same request.
                r.to_string() == *canonical && canonical.parse::<VersionRequest>().as_ref() == Ok(r)
            }
            (Err(e), Err(word)) => e.to_string().contains(word),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "uv {source}: {input:?} gave {}, expected {expect:?}",
                match &got {
                    Ok(r) => format!("Ok({r})"),
                    Err(e) => format!("Err({e})"),
                }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn v(s: &str) -> Version {
    s.parse().unwrap()
}

fn best(request: &str, installed: &[(&str, Variant)]) -> Option<String> {
    let request: VersionRequest = request.parse().unwrap();
    let versions: Vec<(Version, Variant)> = installed.iter().map(|(s, var)| (v(s), *var)).collect();
    request.best(versions.iter().map(|(v, var)| (v, *var, v.to_string())))
}

#[test]
fn uv_selection_cases() {
    use Variant::{Default as D, Freethreaded as T};
    // lib.rs: find_python_version_minor / _patch / _no_match
    let three = [("3.10.1", D), ("3.11.2", D), ("3.12.3", D)];
    assert_eq!(best("3.11", &three).as_deref(), Some("3.11.2"));
    assert_eq!(best("3.11.2", &three).as_deref(), Some("3.11.2"));
    assert_eq!(best("3.9", &three), None);
    assert_eq!(best("3.11.9", &three), None);
    // lib.rs: find_python_version_free_threaded / _prefer_non_free_threaded
    let ft = [("3.13.1", D), ("3.13.0", T)];
    assert_eq!(best("3.13t", &ft).as_deref(), Some("3.13.0"));
    assert_eq!(best("3.13", &ft).as_deref(), Some("3.13.1"));
    // python_find.rs: python_find_freethreaded_313: 3.13 does not take a 3.13t.
    assert_eq!(best("3.13", &[("3.13.0", T)]), None);
    // pyman differs from uv for 3.14 (python_find_freethreaded_314): `3.14`
    // is the default build only, always; `3.14t` asks for the other.
    assert_eq!(best("3.14", &[("3.14.0", T)]), None);
    // lib.rs: find_python_all_minors_prerelease: `>= 3.11` finds a
    // pre-release when it is all there is.
    assert_eq!(
        best(">= 3.11", &[("3.11.0b1", D)]).as_deref(),
        Some("3.11.0b1")
    );
    // python_find.rs: python_find_prerelease_version_specifiers (rc2, rc3)
    let rcs = [("3.14.0rc2", D), ("3.14.0rc3", D)];
    assert_eq!(best(">=3.14", &rcs).as_deref(), Some("3.14.0rc3"));
    assert_eq!(best(">3.14.0rc2", &rcs).as_deref(), Some("3.14.0rc3"));
    assert_eq!(best(">3.14.0rc3", &rcs), None);
    assert_eq!(best(">=3.14.0rc3", &rcs).as_deref(), Some("3.14.0rc3"));
    assert_eq!(best("<3.14.0rc3", &rcs).as_deref(), Some("3.14.0rc2"));
    assert_eq!(best("<=3.14.0rc3", &rcs).as_deref(), Some("3.14.0rc3"));
    // ...and a final release wins once installed.
    let with_final = [("3.14.0rc3", D), ("3.14.0", D)];
    assert_eq!(best(">3.14.0rc2", &with_final).as_deref(), Some("3.14.0"));
    // python_find.rs: python_find_prerelease_with_patch_request
    assert_eq!(
        best("3.14", &[("3.14.0rc3", D)]).as_deref(),
        Some("3.14.0rc3")
    );
    assert_eq!(best("3.14.0", &[("3.14.0rc3", D)]), None);
    // python_find.rs: python_required_python_major_minor
    let py311 = [("3.11.5", D)];
    assert_eq!(best(">=3.11.4, <3.12", &py311).as_deref(), Some("3.11.5"));
    assert_eq!(best(">3.11.255, <3.12", &py311), None);
    // python_find.rs: python_find_equal
    let two = [("3.11.9", D), ("3.12.4", D)];
    assert_eq!(best("==3.11", &two).as_deref(), Some("3.11.9"));
    assert_eq!(best("==3.12", &two).as_deref(), Some("3.12.4"));
    assert_eq!(best("any", &two).as_deref(), Some("3.12.4"));
}

#[test]
fn uv_requires_python_intersections() {
    // discovery.rs: intersects_requires_python_*
    let req = |s: &str| s.parse::<VersionRequest>().unwrap();
    let at_least_312 = req(">=3.12");
    for (pin, overlaps) in [
        ("3.12", true),
        ("3.11", false),
        ("3", true),
        ("2", false),
        (">=3.12,<3.13", true),
        (">=3.10,<3.12", false),
        ("cpython@>=3.12,<3.13", true),
        ("cpython@>=3.10,<3.12", false),
        ("any", true),
        ("system", true),
    ] {
        assert_eq!(req(pin).overlaps(&at_least_312), overlaps, "{pin}");
    }
    // python_pin.rs: python_pin_compatible_with_requires_python
    let at_least_311 = req(">=3.11");
    assert!(!req("3.10").overlaps(&at_least_311));
    assert!(!req("cpython@3.10").overlaps(&at_least_311));
    assert!(req(">3.8,<3.12").overlaps(&at_least_311));
    // pyman: a free-threaded pin meets `requires-python`, which names no build.
    assert!(req("3.13t").overlaps(&at_least_311));
    assert!(req(">=3.13t").overlaps(&at_least_311));
}

#[test]
fn version_files_hold_what_uv_and_pyenv_write() {
    // python_pin.rs: python_find_pin_arbitrary_name: uv drops `foo` with a
    // warning; pyman reads it as an environment's name (pyenv-virtualenv).
    assert!(matches!(parse_line("foo"), Ok(VersionRequest::Env(_))));
    assert!(matches!(
        "foo".parse::<VersionRequest>(),
        Err(RequestError::EnvironmentName { .. })
    ));
    assert!(matches!(
        parse_line("3.10.2/envs/foo"),
        Ok(VersionRequest::Env(_))
    ));
}
