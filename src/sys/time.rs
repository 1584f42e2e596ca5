//! `localtime_r(3)`: broken-down local time, for timestamps printed in the local time zone;
//! and, for benches in tests, CPU clocks.

/// A moment in local time as `localtime_r` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    /// Seconds east of UTC in effect at that moment.
    pub utc_offset: i64,
}

/// The local time of `secs` since the Unix epoch (time zone from `TZ` or /etc/localtime),
/// or `None` when the C library cannot represent it.
pub fn local_time(secs: i64) -> Option<LocalTime> {
    #[allow(clippy::useless_conversion)] // time_t is i64 on 64-bit targets only
    let t: libc::time_t = secs.try_into().ok()?;
    // SAFETY: an all-zero `tm` is a valid value (plain integers and a null zone pointer).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live, exclusively borrowed locals for the duration of the
    // call; localtime_r is the thread-safe variant that writes only into `tm`.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return None;
    }
    Some(LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        min: tm.tm_min as u32,
        sec: tm.tm_sec as u32,
        utc_offset: tm.tm_gmtoff,
    })
}

/// CPU time of the calling thread (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), for benches.
#[cfg(test)]
pub fn thread_cpu() -> std::time::Duration {
    // SAFETY: all-zero timespec is valid; clock_gettime fills it through a valid pointer.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU time of the waited-for children (`getrusage(RUSAGE_CHILDREN)`), for benches.
#[cfg(test)]
pub fn children_cpu() -> std::time::Duration {
    // SAFETY: all-zero rusage is valid; getrusage fills it through a valid pointer.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let tv = |t: libc::timeval| std::time::Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_consistent_with_fields() {
        let t = 1_700_000_000;
        let lt = local_time(t).unwrap();
        let local = t + lt.utc_offset;
        let secs_of_day = local.rem_euclid(86_400);
        assert_eq!((lt.hour * 3600 + lt.min * 60 + lt.sec) as i64, secs_of_day);
        assert!(lt.utc_offset.abs() <= 14 * 3600);
    }
}
