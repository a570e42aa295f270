//! GEN.EXE's command line (DESIGN.md §7): `/X:value` and `-x value` forms, quoted values,
//! case-insensitive names. Pure parsing, so it is tested on the host.
mod number;
mod words;

pub use number::{parse_milli, parse_u32};
use words::Words;

/// Everything the command line can say. Byte strings borrow from the command tail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options<'a> {
    pub model: Option<&'a [u8]>,
    pub prompt: Option<&'a [u8]>,
    pub prompt_file: Option<&'a [u8]>,
    pub tokens: Option<u32>,
    /// Sampling temperature x 1000 (`/T:0.8` is 800; 0 is greedy).
    pub temp_milli: Option<u32>,
    pub top_k: Option<u32>,
    pub top_p_milli: Option<u32>,
    pub rep_penalty_milli: Option<u32>,
    pub seed: Option<u32>,
    pub mem_kb: Option<u32>,
    pub ctx: Option<u32>,
    /// Memory monitor thresholds, percent of the budget (default 85 and 95).
    pub warn_pct: Option<u32>,
    pub refuse_pct: Option<u32>,
    pub out: Option<&'a [u8]>,
    pub stats: bool,
    pub bench: bool,
    pub ids: bool,
    pub help: bool,
    pub info: bool,
    pub selftest: bool,
    pub crc: Option<&'a [u8]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageError<'a> {
    UnknownSwitch(&'a [u8]),
    MissingValue(&'a [u8]),
    BadValue(&'a [u8]),
    UnexpectedArgument(&'a [u8]),
}

impl<'a> UsageError<'a> {
    pub fn message(&self) -> &'static str {
        match self {
            UsageError::UnknownSwitch(_) => "unknown switch",
            UsageError::MissingValue(_) => "missing value for switch",
            UsageError::BadValue(_) => "bad value for switch",
            UsageError::UnexpectedArgument(_) => "unexpected argument",
        }
    }
    /// The switch or argument the error is about.
    pub fn subject(&self) -> &'a [u8] {
        match *self {
            UsageError::UnknownSwitch(s)
            | UsageError::MissingValue(s)
            | UsageError::BadValue(s)
            | UsageError::UnexpectedArgument(s) => s,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flag,
    Text,
    Number,
    Milli,
}

/// Switch names (upper case) and what follows them. Longest names first so `/TP` is
/// not read as `/T` + `P`.
const SWITCHES: &[(&[u8], Kind)] = &[
    (b"SELFTEST", Kind::Flag),
    (b"REFUSE", Kind::Number),
    (b"WARN", Kind::Number),
    (b"STATS", Kind::Flag),
    (b"BENCH", Kind::Flag),
    (b"INFO", Kind::Flag),
    (b"MEM", Kind::Number),
    (b"CTX", Kind::Number),
    (b"CRC", Kind::Text),
    (b"IDS", Kind::Flag),
    (b"TP", Kind::Milli),
    (b"RP", Kind::Milli),
    (b"M", Kind::Text),
    (b"P", Kind::Text),
    (b"F", Kind::Text),
    (b"N", Kind::Number),
    (b"T", Kind::Milli),
    (b"K", Kind::Number),
    (b"S", Kind::Number),
    (b"O", Kind::Text),
    (b"?", Kind::Flag),
    (b"H", Kind::Flag),
];

pub fn parse(tail: &[u8]) -> Result<Options<'_>, UsageError<'_>> {
    let mut opts = Options::default();
    let mut words = Words::new(tail);
    while let Some(word) = words.next() {
        let body = match word.first() {
            Some(b'/') | Some(b'-') => &word[1..],
            _ => return Err(UsageError::UnexpectedArgument(word)),
        };
        let (name, inline) = split_name(body);
        let (key, kind) = lookup(name).ok_or(UsageError::UnknownSwitch(word))?;
        let value = match (kind, inline) {
            (Kind::Flag, None) => None,
            (Kind::Flag, Some(_)) => return Err(UsageError::BadValue(word)),
            (_, Some(v)) => Some(v),
            // `-n 50` and `/N 50`: the value is the next word.
            (_, None) => Some(words.next().ok_or(UsageError::MissingValue(word))?),
        };
        apply(&mut opts, key, kind, value, word)?;
    }
    Ok(opts)
}

/// Splits `NAME:value` / `NAME=value`; a bare name has no inline value.
fn split_name(body: &[u8]) -> (&[u8], Option<&[u8]>) {
    match body.iter().position(|&b| b == b':' || b == b'=') {
        Some(i) => (&body[..i], Some(words::unquote(&body[i + 1..]))),
        None => (body, None),
    }
}

fn lookup(name: &[u8]) -> Option<(&'static [u8], Kind)> {
    SWITCHES.iter().copied().find(|(n, _)| n.eq_ignore_ascii_case(name))
}

fn apply<'a>(
    o: &mut Options<'a>,
    key: &[u8],
    kind: Kind,
    value: Option<&'a [u8]>,
    word: &'a [u8],
) -> Result<(), UsageError<'a>> {
    let v = value.unwrap_or(b"");
    if kind != Kind::Flag && v.is_empty() {
        return Err(UsageError::MissingValue(word));
    }
    let number = || number::parse_u32(v).ok_or(UsageError::BadValue(word));
    let milli = || number::parse_milli(v).ok_or(UsageError::BadValue(word));
    let percent = |n: u32| if (1..=100).contains(&n) { Ok(n) } else { Err(UsageError::BadValue(word)) };
    match key {
        b"SELFTEST" => o.selftest = true,
        b"STATS" => o.stats = true,
        b"BENCH" => o.bench = true,
        b"INFO" => o.info = true,
        b"IDS" => o.ids = true,
        b"?" | b"H" => o.help = true,
        b"MEM" => o.mem_kb = Some(number()?),
        b"CTX" => o.ctx = Some(number()?),
        b"WARN" => o.warn_pct = Some(percent(number()?)?),
        b"REFUSE" => o.refuse_pct = Some(percent(number()?)?),
        b"N" => o.tokens = Some(number()?),
        b"K" => o.top_k = Some(number()?),
        b"S" => o.seed = Some(number()?),
        b"T" => o.temp_milli = Some(milli()?),
        b"TP" => o.top_p_milli = Some(milli()?),
        b"RP" => o.rep_penalty_milli = Some(milli()?),
        b"CRC" => o.crc = Some(v),
        b"M" => o.model = Some(v),
        b"P" => o.prompt = Some(v),
        b"F" => o.prompt_file = Some(v),
        b"O" => o.out = Some(v),
        _ => return Err(UsageError::UnknownSwitch(word)),
    }
    Ok(())
}

#[cfg(test)]
mod tests;
