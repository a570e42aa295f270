//! GEN.EXE's command line: `/X:value` and `-x value` forms, quoted values, case-insensitive
//! names, a range per number (docs/USAGE.md). Pure parsing, so it is tested on the host.
mod number;
mod words;

pub use number::{parse_milli, parse_u32};
use words::Words;

/// A file name from the command line, printed as text (CP437 bytes that are not UTF-8
/// print as their characters).
pub struct Name<'a>(pub &'a [u8]);

impl core::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match core::str::from_utf8(self.0) {
            Ok(s) => f.write_str(s),
            Err(_) => self.0.iter().try_for_each(|&b| {
                use core::fmt::Write as _;
                f.write_char(crate::tokenizer::cp437::cp437_to_char(b))
            }),
        }
    }
}

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
    /// A number outside the switch's range (`range` as `/?` prints it).
    OutOfRange {
        word: &'a [u8],
        range: &'static str,
    },
    /// The same switch twice in one source (GEN.CFG or the command line).
    Twice(&'a [u8]),
    /// Two switches that exclude each other (`/P` and `/F`).
    Conflict(&'a [u8], &'a [u8]),
    UnexpectedArgument(&'a [u8]),
    /// Nothing to do: no prompt and no other action.
    NoPrompt,
    /// The prompt (from `/P` or `/F`) has no text.
    EmptyPrompt,
    /// The command line filled DOS's 127 bytes, so it was probably cut.
    LineFull,
    /// `/O` names the model file (it would be overwritten while it is read).
    OutputIsModel(&'a [u8]),
    /// `/CTX` asks for more than the model's context.
    ContextTooLarge {
        asked: u32,
        n_ctx: u32,
    },
    /// GEN.CFG is larger than GEN reads.
    ConfigTooLarge {
        limit: usize,
    },
}

impl<'a> UsageError<'a> {
    pub fn message(&self) -> &'static str {
        match self {
            UsageError::UnknownSwitch(_) => "unknown switch",
            UsageError::MissingValue(_) => "missing value for switch",
            UsageError::BadValue(_) => "bad value for switch",
            UsageError::OutOfRange { .. } => "value out of range",
            UsageError::Twice(_) => "switch given twice",
            UsageError::Conflict(..) => "switches exclude each other",
            UsageError::UnexpectedArgument(_) => "unexpected argument",
            UsageError::NoPrompt => "no prompt: give /P:text or /F:file",
            UsageError::EmptyPrompt => "the prompt is empty (use /P:text or /F:file)",
            UsageError::LineFull => {
                "the command line fills DOS's 127 bytes and may be cut: put the prompt in a file and use /F:file"
            }
            UsageError::OutputIsModel(_) => "/O names the model file",
            UsageError::ContextTooLarge { .. } => "/CTX is larger than the model's context",
            UsageError::ConfigTooLarge { .. } => "GEN.CFG is too large",
        }
    }
    /// The switch or argument the error is about (empty when there is none).
    pub fn subject(&self) -> &'a [u8] {
        match *self {
            UsageError::UnknownSwitch(s)
            | UsageError::MissingValue(s)
            | UsageError::BadValue(s)
            | UsageError::OutOfRange { word: s, .. }
            | UsageError::Twice(s)
            | UsageError::Conflict(s, _)
            | UsageError::OutputIsModel(s)
            | UsageError::UnexpectedArgument(s) => s,
            _ => b"",
        }
    }
}

impl core::fmt::Display for UsageError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())?;
        let subject = Name(self.subject());
        match *self {
            UsageError::OutOfRange { range, .. } => write!(f, ": {subject} (allowed: {range})"),
            UsageError::Conflict(_, b) => write!(f, ": {subject} and {}", Name(b)),
            UsageError::ContextTooLarge { asked, n_ctx } => write!(f, ": {asked} tokens, the model has {n_ctx}"),
            UsageError::ConfigTooLarge { limit } => write!(f, ": more than {limit} bytes"),
            _ if self.subject().is_empty() => Ok(()),
            _ => write!(f, ": {subject}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flag,
    Text,
    /// A whole number in `min..=max`.
    Number(u32, u32),
    /// A number with up to 3 decimals, as thousandths in `min..=max`.
    Milli(u32, u32),
}

/// Switch names (upper case), what follows them, and the allowed range as `/?` and
/// docs/USAGE.md print it. Longest names first so `/TP` is not read as `/T` + `P`.
const SWITCHES: &[(&[u8], Kind, &str)] = &[
    (b"SELFTEST", Kind::Flag, ""),
    (b"REFUSE", Kind::Number(50, 100), "50 to 100"),
    (b"WARN", Kind::Number(1, 100), "1 to 100"),
    (b"STATS", Kind::Flag, ""),
    (b"BENCH", Kind::Flag, ""),
    (b"INFO", Kind::Flag, ""),
    (b"MEM", Kind::Number(16, MAX_MEM_KB), "16 to 4194303"),
    (b"CTX", Kind::Number(2, 65535), "2 to 65535, at most the model's"),
    (b"CRC", Kind::Text, ""),
    (b"IDS", Kind::Flag, ""),
    (b"TP", Kind::Milli(1, 1000), "0.001 to 1"),
    (b"RP", Kind::Milli(1, 10_000), "0.001 to 10"),
    (b"M", Kind::Text, ""),
    (b"P", Kind::Text, ""),
    (b"F", Kind::Text, ""),
    (b"N", Kind::Number(0, 65535), "0 to 65535"),
    (b"T", Kind::Milli(0, 10_000), "0 to 10"),
    (b"K", Kind::Number(0, 65535), "0 to 65535"),
    (b"S", Kind::Number(0, u32::MAX), "0 to 4294967295"),
    (b"O", Kind::Text, ""),
    (b"?", Kind::Flag, ""),
    (b"H", Kind::Flag, ""),
];

/// The largest `/MEM` in KB: a budget in bytes must fit 32 bits.
pub const MAX_MEM_KB: u32 = u32::MAX / 1024;

/// The switches of one command line (a source may not repeat a switch).
pub fn parse(tail: &[u8]) -> Result<Options<'_>, UsageError<'_>> {
    let mut opts = Options::default();
    parse_into(&mut opts, tail)?;
    Ok(opts)
}

/// GEN.CFG's switches, then the command line's, which win: a prompt source on the
/// command line replaces GEN.CFG's. Each source alone may not repeat a switch.
pub fn parse_with_defaults<'a>(config: &'a [u8], tail: &'a [u8]) -> Result<Options<'a>, UsageError<'a>> {
    let mut opts = parse(config)?;
    let line = parse(tail)?;
    if line.prompt.is_some() || line.prompt_file.is_some() {
        opts.prompt = None;
        opts.prompt_file = None;
    }
    parse_into(&mut opts, tail)?;
    Ok(opts)
}

fn parse_into<'a>(opts: &mut Options<'a>, tail: &'a [u8]) -> Result<(), UsageError<'a>> {
    let mut words = Words::new(tail);
    let mut seen = 0u32;
    let mut prompt_word: Option<&[u8]> = None;
    while let Some(word) = words.next() {
        let body = match word.first() {
            Some(b'/') | Some(b'-') => &word[1..],
            _ => return Err(UsageError::UnexpectedArgument(word)),
        };
        let (name, inline) = split_name(body);
        let (index, key, kind, range) = lookup(name).ok_or(UsageError::UnknownSwitch(word))?;
        if seen & (1 << index) != 0 {
            return Err(UsageError::Twice(word));
        }
        seen |= 1 << index;
        if key == b"P" || key == b"F" {
            if let Some(first) = prompt_word {
                return Err(UsageError::Conflict(first, word));
            }
            prompt_word = Some(word);
        }
        let value = match (kind, inline) {
            (Kind::Flag, None) => None,
            (Kind::Flag, Some(_)) => return Err(UsageError::BadValue(word)),
            (_, Some(v)) => Some(v),
            // `-n 50` and `/N 50`: the value is the next word.
            (_, None) => Some(words.next().ok_or(UsageError::MissingValue(word))?),
        };
        apply(opts, key, kind, range, value, word)?;
    }
    Ok(())
}

/// Splits `NAME:value` / `NAME=value`; a bare name has no inline value.
fn split_name(body: &[u8]) -> (&[u8], Option<&[u8]>) {
    match body.iter().position(|&b| b == b':' || b == b'=') {
        Some(i) => (&body[..i], Some(words::unquote(&body[i + 1..]))),
        None => (body, None),
    }
}

fn lookup(name: &[u8]) -> Option<(usize, &'static [u8], Kind, &'static str)> {
    SWITCHES.iter().enumerate().find(|(_, (n, _, _))| n.eq_ignore_ascii_case(name)).map(|(i, &(n, k, r))| (i, n, k, r))
}

fn apply<'a>(
    o: &mut Options<'a>,
    key: &[u8],
    kind: Kind,
    range: &'static str,
    value: Option<&'a [u8]>,
    word: &'a [u8],
) -> Result<(), UsageError<'a>> {
    let v = value.unwrap_or(b"");
    if kind != Kind::Flag && v.is_empty() {
        return Err(UsageError::MissingValue(word));
    }
    let in_range = |n: u32, min: u32, max: u32| {
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(UsageError::OutOfRange { word, range })
        }
    };
    // A well-formed number too large for 32 bits is out of range, not malformed.
    let n = match kind {
        Kind::Number(min, max) => match number::parse_u32(v) {
            Some(n) => in_range(n, min, max)?,
            None if v.iter().all(u8::is_ascii_digit) => return Err(UsageError::OutOfRange { word, range }),
            None => return Err(UsageError::BadValue(word)),
        },
        Kind::Milli(min, max) => match number::parse_milli(v) {
            Some(n) => in_range(n, min, max)?,
            None if number::is_decimal(v) => return Err(UsageError::OutOfRange { word, range }),
            None => return Err(UsageError::BadValue(word)),
        },
        Kind::Flag | Kind::Text => 0,
    };
    match key {
        b"SELFTEST" => o.selftest = true,
        b"STATS" => o.stats = true,
        b"BENCH" => o.bench = true,
        b"INFO" => o.info = true,
        b"IDS" => o.ids = true,
        b"?" | b"H" => o.help = true,
        b"MEM" => o.mem_kb = Some(n),
        b"CTX" => o.ctx = Some(n),
        b"WARN" => o.warn_pct = Some(n),
        b"REFUSE" => o.refuse_pct = Some(n),
        b"N" => o.tokens = Some(n),
        b"K" => o.top_k = Some(n),
        b"S" => o.seed = Some(n),
        b"T" => o.temp_milli = Some(n),
        b"TP" => o.top_p_milli = Some(n),
        b"RP" => o.rep_penalty_milli = Some(n),
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
