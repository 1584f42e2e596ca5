//! The frame parser, candump's formats, filters and error words, against lines candump
//! (can-utils 2020.11) printed for the same frames in the VM bed.

use super::filter::{self, Rule};
use super::format::{self, Printer, TsStyle};
use super::parse::{self, ParseError};
use super::*;

fn long(text: &str, indent: bool) -> String {
    let mut s = String::new();
    format::long(&parse::frame(text).unwrap(), indent, &mut s);
    s
}

fn compact(f: &Frame) -> String {
    let mut s = String::new();
    format::compact(f, &mut s);
    s
}

#[test]
fn can_cansend_syntax_parses_every_kind() {
    let f = parse::frame("123#DEADBEEF").unwrap();
    assert_eq!((f.can_id, f.fd, f.len), (0x123, false, 4));
    assert_eq!(f.payload(), [0xDE, 0xAD, 0xBE, 0xEF]);
    let f = parse::frame("1F334455#11").unwrap();
    assert_eq!(f.can_id, 0x1F33_4455 | EFF_FLAG);
    assert!(f.is_extended() && f.id() == 0x1F33_4455);
    let f = parse::frame("123#R").unwrap();
    assert!(f.is_rtr() && f.len == 0 && f.payload().is_empty());
    let f = parse::frame("123#r5").unwrap();
    assert!(f.is_rtr() && f.len == 5 && f.payload().is_empty());
    let f = parse::frame("123##1112233").unwrap();
    assert_eq!(
        (f.fd, f.flags, f.payload()),
        (true, 1, &[0x11, 0x22, 0x33][..])
    );
    let f = parse::frame("123##0").unwrap();
    assert!(f.fd && f.len == 0);
    let f = parse::frame("00000123#AA").unwrap();
    assert_eq!(f.can_id, 0x123 | EFF_FLAG);
    let f = parse::frame("20000004#0004").unwrap();
    assert!(f.is_error() && !f.is_extended() && f.id() == 4);
    let f = parse::frame("123#11.22.33").unwrap();
    assert_eq!(f.payload(), [0x11, 0x22, 0x33]);
    let f = parse::frame("123#").unwrap();
    assert_eq!(f.len, 0);
    let fd64 = format!("12345678##3{}", "AB".repeat(64));
    assert_eq!(parse::frame(&fd64).unwrap().len, 64);
}

#[test]
fn can_frame_errors_name_the_position() {
    let e = |s: &str| parse::frame(s).unwrap_err();
    let at = |s: &str| e(s).pos;
    assert_eq!(
        e("123#DEADBEEG"),
        ParseError {
            pos: 12,
            msg: "expected the second hex digit of a data byte, found 'G'".into()
        }
    );
    assert_eq!(at("12G#00"), 3);
    assert_eq!(at("123"), 4);
    assert_eq!(
        e("123").msg,
        "expected '#' after the CAN id (as in 123#DEADBEEF)"
    );
    assert_eq!(at("1234#00"), 1);
    assert_eq!(e("800#").msg, "standard CAN id 800 is over 7FF");
    assert_eq!(
        e("E0000000#").msg,
        "error frame id E0000000 has bits over 3FFFFFFF"
    );
    assert_eq!(at("123#ABC"), 8);
    assert_eq!(at("123#R9"), 6);
    assert_eq!(at("123#R5x"), 7);
    assert_eq!(at("123##"), 6);
    assert_eq!(at("123#010203040506070809"), 21);
    assert!(e("123#010203040506070809").msg.contains("'##'"));
    assert_eq!(at(&format!("123##0{}", "00".repeat(65))), 135);
    assert_eq!(at("123#\u{e9}"), 5);
    assert!(e("").to_string().ends_with("at position 1"));
}

#[test]
fn can_default_format_matches_candump() {
    assert_eq!(long("123#DEADBEEF", false), "123   [4]  DE AD BE EF");
    assert_eq!(long("1F334455#11", false), "1F334455   [1]  11");
    assert_eq!(long("123#R", true), "     123   [0]  remote request");
    assert_eq!(long("123#R5", true), "     123   [5]  remote request");
    assert_eq!(long("123##1112233", false), "123  [03]  11 22 33");
    assert_eq!(long("123##0", true), "     123  [00] ");
    assert_eq!(long("123#", true), "     123   [0] ");
    assert_eq!(
        long("20000004#0004000000000000", false),
        "20000004   [8]  00 04 00 00 00 00 00 00   ERRORFRAME"
    );
    assert_eq!(
        long("20000001#", false),
        "20000001   [0]                            ERRORFRAME"
    );
    let mut p = Printer::new(TsStyle::None, false, false, false, 5);
    let mut out = String::new();
    for f in ["123#DEADBEEF", "1F334455#11", "123#R"] {
        p.frame("vcan0", 1, 0, &parse::frame(f).unwrap(), &mut out);
    }
    assert_eq!(
        out,
        "  vcan0  123   [4]  DE AD BE EF\n  vcan0  1F334455   [1]  11\n  vcan0       123   [0]  remote request\n"
    );
}

#[test]
fn can_log_format_and_timestamps_match_candump() {
    let mut p = Printer::new(TsStyle::None, true, false, false, 5);
    let mut out = String::new();
    let mut fd = parse::frame("123##1112233").unwrap();
    fd.flags |= FD_FDF;
    p.frame(
        "vcan0",
        1_700_000_000,
        123_456,
        &parse::frame("123#DEADBEEF").unwrap(),
        &mut out,
    );
    p.frame("longcan12", 1_700_000_000, 200_000, &fd, &mut out);
    p.frame(
        "vcan0",
        1_700_000_001,
        0,
        &parse::frame("123#R5").unwrap(),
        &mut out,
    );
    assert_eq!(
        out,
        "(1700000000.000123) vcan0 123#DEADBEEF\n\
         (1700000000.000200) longcan12 123##5112233\n\
         (1700000001.000000)     vcan0 123#R5\n"
    );
    let f = parse::frame("123#11").unwrap();
    for (style, want) in [
        (
            TsStyle::Absolute,
            [
                " (1700000000.000001)  vcan0  123   [1]  11",
                " (1700000000.134835)  vcan0  123   [1]  11",
                " (1700000001.000000)  vcan0  123   [1]  11",
            ],
        ),
        (
            TsStyle::Delta,
            [
                " (000.000000)  vcan0  123   [1]  11",
                " (000.134834)  vcan0  123   [1]  11",
                " (000.865165)  vcan0  123   [1]  11",
            ],
        ),
        (
            TsStyle::Zero,
            [
                " (000.000000)  vcan0  123   [1]  11",
                " (000.134834)  vcan0  123   [1]  11",
                " (000.999999)  vcan0  123   [1]  11",
            ],
        ),
    ] {
        let mut p = Printer::new(style, false, false, false, 5);
        let mut out = String::new();
        p.frame("vcan0", 1_700_000_000, 1_000, &f, &mut out);
        p.frame("vcan0", 1_700_000_000, 134_835_999, &f, &mut out);
        p.frame("vcan0", 1_700_000_001, 0, &f, &mut out);
        assert_eq!(out.lines().collect::<Vec<_>>(), want, "{style:?}");
    }
    assert_eq!(TsStyle::from_letter("A"), Some(TsStyle::Date));
    assert_eq!(TsStyle::from_letter("x"), None);
}

#[test]
fn can_log_lines_parse_and_name_the_position() {
    let l = parse::log_line("(1436509052.249713) vcan0 123#DEADBEEF").unwrap();
    assert_eq!(
        (l.sec, l.nsec, l.iface.as_str()),
        (1_436_509_052, 249_713_000, "vcan0")
    );
    assert_eq!(l.frame.payload(), [0xDE, 0xAD, 0xBE, 0xEF]);
    let l = parse::log_line("(1.5)     vcan0 12345678##5AA R").unwrap();
    assert_eq!((l.nsec, l.frame.flags), (500_000_000, 5));
    let e = parse::log_line("(1436509052.249713) vcan0 123#DEADBEEX").unwrap_err();
    assert_eq!(e.pos, 38);
    assert_eq!(
        parse::log_line("1436509052.2 vcan0 123#").unwrap_err().pos,
        1
    );
    assert_eq!(parse::log_line("(14x.2) vcan0 123#").unwrap_err().pos, 4);
    assert_eq!(parse::log_line("(1.) vcan0 123#").unwrap_err().pos, 4);
    assert_eq!(parse::log_line("(1.2)vcan0 123#").unwrap_err().pos, 6);
    assert_eq!(parse::log_line("(1.2) vcan0").unwrap_err().pos, 12);
    assert_eq!(parse::input_line("  123#1").unwrap_err().pos, 8);
    assert_eq!(
        parse::input_line("(1.2) vcan0 7FF#R").unwrap().can_id,
        0x7FF | RTR_FLAG
    );
}

#[test]
fn can_compact_form_round_trips() {
    for text in [
        "123#DEADBEEF",
        "1F334455#11",
        "123#R",
        "123#R5",
        "123##1112233",
        "123#",
        "20000004#0004",
    ] {
        let f = parse::frame(text).unwrap();
        assert_eq!(compact(&f), text);
        assert_eq!(parse::frame(&compact(&f)).unwrap(), f);
    }
}

#[test]
fn can_filters_follow_candump() {
    let f = filter::parse("123:7FF").unwrap();
    assert_eq!(
        f.rules,
        [Rule {
            id: 0x123,
            mask: 0x7FF
        }]
    );
    assert!(f.accepts(0x123) && f.accepts(0x123 | EFF_FLAG) && !f.accepts(0x124));
    assert!(!f.accepts(ERR_FLAG | 4));
    let f = filter::parse("123~7FF").unwrap();
    assert_eq!(
        f.rules,
        [Rule {
            id: 0x123 | INV_FILTER,
            mask: 0x7FF
        }]
    );
    assert!(!f.accepts(0x123) && f.accepts(0x7FF));
    let f = filter::parse("12345678:1FFFFFFF").unwrap();
    assert_eq!(
        f.rules,
        [Rule {
            id: 0x1234_5678 | EFF_FLAG,
            mask: 0x1FFF_FFFF
        }]
    );
    let f = filter::parse("123:7FF,7FF:7FF,#FFFFFFFF,j").unwrap();
    assert_eq!(f.rules.len(), 2);
    assert_eq!((f.err_mask, f.join), (Some(0xFFFF_FFFF), true));
    assert!(f.accepts(ERR_FLAG | 4));
    assert!(!filter::parse("0~0").unwrap().accepts(0x123));
    // The error flag is taken out of every mask, as candump does.
    assert_eq!(
        filter::parse("0:FFFFFFFF").unwrap().rules[0].mask,
        0xDFFF_FFFF
    );
    let e = filter::parse("123:7FF,12X~7FF").unwrap_err();
    assert_eq!(
        (e.pos, e.msg.as_str()),
        (11, "expected a hex digit, found 'X'")
    );
    assert_eq!(filter::parse("123:7FF,,1:1").unwrap_err().pos, 9);
    assert_eq!(filter::parse("123").unwrap_err().pos, 1);
    assert_eq!(filter::parse("#").unwrap_err().pos, 2);
    assert_eq!(filter::parse("123456789:1").unwrap_err().pos, 1);
    // Found by the fuzzer: an error quoting the input stays on one line.
    assert!(
        !filter::parse("1\n2")
            .unwrap_err()
            .to_string()
            .contains('\n')
    );
}

#[test]
fn can_error_frames_in_words_match_candump_e() {
    let words = |text: &str| {
        let mut s = String::new();
        error::describe(&parse::frame(text).unwrap(), "\n\t", &mut s);
        s
    };
    assert_eq!(
        words("20000004#0004000000000000"),
        "controller-problem{rx-error-warning}"
    );
    assert_eq!(
        words("20000002#0500000000000000"),
        "lost-arbitration{at bit 5}"
    );
    assert_eq!(
        words("20000008#0002000800000000"),
        "protocol-violation{{}{crc-sequence}}"
    );
    assert_eq!(
        words("200000C0#0000000000000A0B"),
        "bus-off\n\tbus-error\n\terror-counter-tx-rx{{10}{11}}"
    );
    assert_eq!(words("20000001#"), "tx-timeout");
    assert_eq!(words("20000100#00"), "restarted-after-bus-off");
    assert_eq!(
        words("2000000C#0010041200000000"),
        "controller-problem{rx-error-passive}\n\tprotocol-violation{{bit-stuffing-error}{intermission}}"
    );
    assert_eq!(
        words("200001FF#FFFFFFFFFFFFFFFF"),
        "tx-timeout\n\tlost-arbitration{at bit 255}\n\tcontroller-problem{rx-overflow,tx-overflow,rx-error-warning,tx-error-warning,rx-error-passive,tx-error-passive,back-to-error-active}\n\tprotocol-violation{{single-bit-error,frame-format-error,bit-stuffing-error,tx-dominant-bit-error,tx-recessive-bit-error,bus-overload,active-error,error-on-tx}{}}\n\ttransceiver-status\n\tno-acknowledgement-on-tx\n\tbus-off\n\tbus-error\n\trestarted-after-bus-off\n\terror-counter-tx-rx{{255}{255}}"
    );
    // No known class: candump 2020.11 repeats the frame's default format.
    assert_eq!(
        words("20000200#00"),
        "20000200   [1]  00                        ERRORFRAME"
    );
    assert_eq!(words("123#11"), "");
}

#[test]
fn can_json_record_has_the_frame_fields() {
    let mut p = Printer::new(TsStyle::None, false, false, true, 0);
    let mut out = String::new();
    p.frame(
        "vcan0",
        1_700_000_000,
        5,
        &parse::frame("123##3AABB").unwrap(),
        &mut out,
    );
    assert_eq!(
        out,
        "{\"ts\":1700000000.000000005,\"iface\":\"vcan0\",\"id\":291,\"extended\":false,\"rtr\":false,\"error\":false,\"fd\":true,\"brs\":true,\"esi\":true,\"len\":2,\"data\":\"AABB\",\"frame\":\"123##3AABB\"}\n"
    );
}
