use super::*;

#[test]
fn slash_and_dash_forms_agree() {
    let a = parse(br#"/M:TINY.BIN /P:"Once upon a time" /N:20 /T:0.8 /TP:0.95 /S:7 /STATS"#).unwrap();
    let b = parse(br#"-m TINY.BIN -p "Once upon a time" -n 20 -t 0.8 -tp .95 -s 7 -stats"#).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.model, Some(&b"TINY.BIN"[..]));
    assert_eq!(a.prompt, Some(&b"Once upon a time"[..]));
    assert_eq!(a.tokens, Some(20));
    assert_eq!(a.temp_milli, Some(800));
    assert_eq!(a.top_p_milli, Some(950));
    assert_eq!(a.seed, Some(7));
    assert!(a.stats && !a.bench);
}

#[test]
fn names_are_case_insensitive_and_longest_match_wins() {
    let o = parse(b"/tp:0.5 /t:0 /selftest /info /crc:a.bin /?").unwrap();
    assert_eq!(o.top_p_milli, Some(500));
    assert_eq!(o.temp_milli, Some(0));
    assert!(o.selftest && o.info && o.help);
    assert_eq!(o.crc, Some(&b"a.bin"[..]));
}

#[test]
fn bad_input_is_named() {
    assert_eq!(parse(b"/X"), Err(UsageError::UnknownSwitch(b"/X")));
    assert_eq!(parse(b"/N:abc"), Err(UsageError::BadValue(b"/N:abc")));
    assert_eq!(parse(b"/N"), Err(UsageError::MissingValue(b"/N")));
    assert_eq!(parse(b"/T:1.2345"), Err(UsageError::BadValue(b"/T:1.2345")));
    assert_eq!(parse(b"/STATS:1"), Err(UsageError::BadValue(b"/STATS:1")));
    assert_eq!(parse(b"hello"), Err(UsageError::UnexpectedArgument(b"hello")));
    assert_eq!(parse(b"/N:99999999999"), Err(UsageError::OutOfRange { word: b"/N:99999999999", range: "0 to 65535" }));
}

#[test]
fn milli_parsing() {
    assert_eq!(parse_milli(b"1"), Some(1000));
    assert_eq!(parse_milli(b"1.25"), Some(1250));
    assert_eq!(parse_milli(b".5"), Some(500));
    assert_eq!(parse_milli(b"."), None);
    assert_eq!(parse_milli(b"1.2x"), None);
}

#[test]
fn memory_thresholds_are_percentages() {
    let o = parse(b"/WARN:70 -refuse 90").unwrap();
    assert_eq!((o.warn_pct, o.refuse_pct), (Some(70), Some(90)));
    assert_eq!(parse(b"/WARN:0"), Err(UsageError::OutOfRange { word: b"/WARN:0", range: "1 to 100" }));
    assert_eq!(parse(b"/REFUSE:101"), Err(UsageError::OutOfRange { word: b"/REFUSE:101", range: "50 to 100" }));
}
