//! candump's filter strings, turned into what the kernel takes (CAN_RAW_FILTER,
//! CAN_RAW_ERR_FILTER, CAN_RAW_JOIN_FILTERS): `<id>:<mask>` (received_id & mask == id & mask),
//! `<id>~<mask>` (the inverse), `#<error mask>`, `j` (all filters must match, not any),
//! several joined by commas. As in candump, an id of 8 hex digits sets the extended-frame
//! flag, and the error flag is taken out of every mask.

use super::parse::ParseError;
use super::{EFF_FLAG, ERR_FLAG, INV_FILTER};

/// One `struct can_filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: u32,
    pub mask: u32,
}

/// What a set of filter strings asks of the kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Empty: the kernel's default (every data frame).
    pub rules: Vec<Rule>,
    /// `#MASK`: which error classes are received (none by default).
    pub err_mask: Option<u32>,
    /// `j`: a frame must match every rule.
    pub join: bool,
}

impl Filters {
    /// Whether a frame with `can_id` passes, as the kernel decides (for tests).
    #[cfg(test)]
    pub fn accepts(&self, can_id: u32) -> bool {
        if can_id & ERR_FLAG != 0 {
            return self
                .err_mask
                .is_some_and(|m| can_id & m & super::ERR_MASK != 0);
        }
        if self.rules.is_empty() {
            return true;
        }
        let hit = |r: &Rule| {
            let m = (r.id & r.mask & !INV_FILTER) == (can_id & r.mask);
            if r.id & INV_FILTER != 0 { !m } else { m }
        };
        if self.join {
            self.rules.iter().all(hit)
        } else {
            self.rules.iter().any(hit)
        }
    }
}

fn hex(s: &str, pos0: usize) -> Result<u32, ParseError> {
    if s.is_empty() || s.len() > 8 {
        return Err(ParseError {
            pos: pos0 + 1,
            msg: format!("expected 1 to 8 hex digits, found '{}'", s.escape_debug()),
        });
    }
    for (i, c) in s.char_indices() {
        if !c.is_ascii_hexdigit() {
            return Err(ParseError {
                pos: pos0 + i + 1,
                msg: format!("expected a hex digit, found '{}'", c.escape_debug()),
            });
        }
    }
    Ok(u32::from_str_radix(s, 16).unwrap_or(0))
}

/// Adds the comma-separated filters of `text` to `into`; `base` is the column of `text` in
/// what the user typed, so errors point into it.
pub fn parse_into(text: &str, base: usize, into: &mut Filters) -> Result<(), ParseError> {
    let mut at = base;
    for item in text.split(',') {
        let bad = |msg: String| ParseError { pos: at + 1, msg };
        if item.is_empty() {
            return Err(bad(
                "empty filter (expected ID:MASK, ID~MASK, #ERRMASK or j)".into(),
            ));
        }
        if item == "j" || item == "J" {
            into.join = true;
        } else if let Some(mask) = item.strip_prefix('#') {
            into.err_mask = Some(hex(mask, at + 1)?);
        } else if let Some(i) = item.find([':', '~']) {
            let mut id = hex(&item[..i], at)?;
            let mask = hex(&item[i + 1..], at + i + 1)? & !ERR_FLAG;
            if i == 8 {
                id |= EFF_FLAG;
            }
            if item.as_bytes()[i] == b'~' {
                id |= INV_FILTER;
            }
            into.rules.push(Rule { id, mask });
        } else {
            return Err(bad(format!(
                "'{}' is not a filter (expected ID:MASK, ID~MASK, #ERRMASK or j)",
                item.escape_debug()
            )));
        }
        at += item.len() + 1;
    }
    Ok(())
}

/// Parses a comma-separated filter list.
pub fn parse(text: &str) -> Result<Filters, ParseError> {
    let mut f = Filters::default();
    parse_into(text, 0, &mut f)?;
    Ok(f)
}
