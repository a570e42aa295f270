use super::*;
use crate::cli::{parse, parse_with_defaults, Name};
use crate::format::SectionId;
use crate::mem::PoolError;
use alloc::string::ToString;

#[test]
fn every_kind_has_its_exit_code() {
    let model = |error| Error::Model { name: b"M.BIN", scratch: b"T:\\X", error };
    let cases = [
        (Error::Usage(UsageError::NoPrompt), ExitCode::Usage),
        (Error::File { name: b"A.TXT", cause: "disk full" }, ExitCode::Io),
        (model(ModelError::Format(FormatError::Io(ErrorKind::Other))), ExitCode::Io),
        (model(ModelError::KvFile(ErrorKind::WriteZero)), ExitCode::Io),
        (model(ModelError::Format(FormatError::Truncated { section: SectionId::Embed })), ExitCode::BadModel),
        (model(ModelError::Invalid { field: "n_ctx", value: 1 }), ExitCode::BadModel),
        (model(ModelError::OutOfMemory(PoolError::OutOfMemory { bytes: 9 })), ExitCode::OutOfMemory),
        (model(ModelError::Format(FormatError::Io(ErrorKind::Interrupted))), ExitCode::Interrupted),
        (model(ModelError::Interrupted), ExitCode::Interrupted),
        (model(ModelError::Position(3)), ExitCode::Internal),
        (Error::DoesNotFit { needed: 1, usable: 0, total: 0 }, ExitCode::OutOfMemory),
        (Error::Interrupted, ExitCode::Interrupted),
    ];
    for (e, code) in cases {
        assert_eq!(e.exit_code(), code, "{e}");
    }
}

#[test]
fn messages_name_the_file_and_the_cause() {
    let e =
        Error::Model { name: b"U:\\T.BIN", scratch: b"", error: ModelError::Format(FormatError::Io(ErrorKind::Other)) };
    assert_eq!(e.to_string(), "U:\\T.BIN: read error: I/O error");
    let e = Error::Model { name: b"M", scratch: b"T:\\AB", error: ModelError::KvFile(ErrorKind::WriteZero) };
    assert_eq!(e.to_string(), "KV cache scratch file T:\\AB: disk full");
    let e = Error::File { name: b"OUT.TXT", cause: "disk full" };
    assert_eq!(e.to_string(), "OUT.TXT: disk full");
    let e = Error::Model { name: b"M", scratch: b"", error: ModelError::Invalid { field: "n_ctx", value: 1 } };
    assert_eq!(e.to_string(), "M: cannot run this model: n_ctx = 1");
    // CP437 bytes that are not UTF-8 print as their characters.
    assert_eq!(Name(b"CAF\x82.TXT").to_string(), "CAFé.TXT");
}

#[test]
fn switch_ranges_are_named() {
    let e = parse(b"/N:4294967295").unwrap_err();
    assert_eq!(e, UsageError::OutOfRange { word: b"/N:4294967295", range: "0 to 65535" });
    assert_eq!(Error::Usage(e).to_string(), "value out of range: /N:4294967295 (allowed: 0 to 65535)");
    assert_eq!(
        parse(b"/N:99999999999").unwrap_err(),
        UsageError::OutOfRange { word: b"/N:99999999999", range: "0 to 65535" }
    );
    for bad in [&b"/RP:0"[..], b"/T:1000000", b"/REFUSE:1", b"/CTX:0", b"/CTX:1", b"/TP:0", b"/MEM:15", b"/TP:1.5"] {
        assert!(matches!(parse(bad), Err(UsageError::OutOfRange { .. })), "{:?}", core::str::from_utf8(bad));
    }
    for good in [&b"/RP:0.001"[..], b"/T:10", b"/REFUSE:50", b"/CTX:2", b"/TP:1", b"/MEM:16", b"/S:4294967295"] {
        assert!(parse(good).is_ok(), "{:?}", core::str::from_utf8(good));
    }
}

#[test]
fn prompt_switches_exclude_each_other_and_repeat_nowhere() {
    assert_eq!(parse(b"/P:a /F:b"), Err(UsageError::Conflict(b"/P:a", b"/F:b")));
    assert_eq!(parse(b"/P:a /P:b"), Err(UsageError::Twice(b"/P:b")));
    assert_eq!(parse(b"/N:1 -n 2"), Err(UsageError::Twice(b"-n")));
    // GEN.CFG and the command line may name the same switch: the command line wins,
    // and a prompt on the command line replaces GEN.CFG's, whichever switch gives it.
    let o = parse_with_defaults(b"/N:7 /F:CFG.TXT", b"/N:3 /P:hi").unwrap();
    assert_eq!((o.tokens, o.prompt, o.prompt_file), (Some(3), Some(&b"hi"[..]), None));
    let o = parse_with_defaults(b"/P:cfg /T:0", b"/N:3").unwrap();
    assert_eq!((o.tokens, o.prompt, o.temp_milli), (Some(3), Some(&b"cfg"[..]), Some(0)));
    assert_eq!(parse_with_defaults(b"/N:1 /N:2", b""), Err(UsageError::Twice(b"/N:2")));
}
