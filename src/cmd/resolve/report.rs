//! What a lookup prints: aligned columns for people, or JSON Lines with `--json`.

use std::io::{self, Write};

/// The result of one lookup: rows of columns for the human form, and JSON records. The two
/// need not be one-to-one (a hosts entry is one JSON object but one row per address).
#[derive(Debug, Default)]
pub struct Report {
    rows: Vec<Vec<String>>,
    json: Vec<String>,
}

impl Report {
    pub fn row(&mut self, cols: Vec<String>) {
        self.rows.push(cols);
    }

    pub fn json(&mut self, record: &impl serde::Serialize) {
        self.json.push(crate::json::line(record));
    }

    /// Put `first` in front of every row (the queried name, in `resolve -`).
    pub fn prefix(&mut self, first: &str) {
        for row in &mut self.rows {
            row.insert(0, first.to_string());
        }
    }

    /// Write the rows with every column but the last padded to its widest cell plus two
    /// spaces, or the JSON records.
    pub fn write(&self, out: &mut impl Write, json: bool) -> io::Result<()> {
        if json {
            for record in &self.json {
                writeln!(out, "{record}")?;
            }
            return Ok(());
        }
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i >= widths.len() {
                    widths.push(0);
                }
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut line = String::new();
        for row in &self.rows {
            line.clear();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    let pad = widths[i] - cell.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_trailing_blanks_go() {
        let mut r = Report::default();
        r.row(vec!["AF_INET6".into(), "".into(), "[::1]:80".into()]);
        r.row(vec!["AF_INET".into(), "x".into(), "127.0.0.1:80".into()]);
        r.row(vec!["a".into(), "".into()]);
        let mut out = Vec::new();
        r.write(&mut out, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "AF_INET6     [::1]:80\nAF_INET   x  127.0.0.1:80\na\n"
        );
    }
}
