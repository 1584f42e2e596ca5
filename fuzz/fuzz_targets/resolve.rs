#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockcli::fuzzing::resolve_line(data));
