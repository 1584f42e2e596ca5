//! One `resolve -` stdin line: `HOST [SERVICE]`, blank lines and `#` comments skipped. Pure
//! (no lookup), so the fuzz target `resolve` reaches it without DNS.

/// What one stdin line asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// Blank or a `#` comment: not a query, not an error.
    Skip,
    Query {
        host: &'a str,
        service: Option<&'a str>,
    },
    /// Not `HOST [SERVICE]`, and why (one line, without the `line N: ` prefix).
    Bad(String),
}

/// Splits one line (without its newline) into `HOST [SERVICE]`.
pub(crate) fn parse(line: &str) -> Line<'_> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Line::Skip;
    }
    let mut words = line.split_whitespace();
    let (host, service) = (words.next().unwrap_or(""), words.next());
    if words.next().is_some() {
        return Line::Bad(format!("expected HOST [SERVICE], got '{}'", shown(trimmed)));
    }
    if let Some(Err(why)) = service.map(numeric_port_in_range) {
        return Line::Bad(why);
    }
    Line::Query { host, service }
}

/// The line for an error message: control characters escaped (as `conv` does), so that a
/// `\r` or an ESC in the input cannot overwrite or restyle the terminal line.
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A numeric SERVICE must be a port: getaddrinfo takes 65536 as 0 and 99999 as 34463 (it
/// keeps the low 16 bits), so those are refused here, as everywhere a port is typed.
pub(super) fn numeric_port_in_range(service: &str) -> Result<(), String> {
    if service.bytes().all(|b| b.is_ascii_digit()) {
        crate::sock::addr::Port::parse(service)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_service_blank_comment_and_bad_lines() {
        assert_eq!(parse(""), Line::Skip);
        assert_eq!(parse("  \t "), Line::Skip);
        assert_eq!(parse("  # example.com 80"), Line::Skip);
        assert_eq!(
            parse(" example.com\t"),
            Line::Query {
                host: "example.com",
                service: None
            }
        );
        assert_eq!(
            parse("localhost http"),
            Line::Query {
                host: "localhost",
                service: Some("http")
            }
        );
        assert_eq!(
            parse(" a b  c "),
            Line::Bad("expected HOST [SERVICE], got 'a b  c'".into())
        );
        assert!(matches!(parse("localhost 65536"), Line::Bad(_)));
        // Found by the `resolve` fuzz target: a CR inside a bad line went to stderr raw.
        assert_eq!(
            parse("\"\0lhost 60!!!\r60!!"),
            Line::Bad(r#"expected HOST [SERVICE], got '"\u{0}lhost 60!!!\r60!!'"#.into())
        );
        assert!(matches!(
            parse("localhost 65535"),
            Line::Query {
                service: Some("65535"),
                ..
            }
        ));
    }
}
