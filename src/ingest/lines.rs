//! Reading an import file line by line in constant memory: a line longer than the
//! limit is skipped to its end without being held (a 2 GB line costs no memory) and
//! reported, and the reading goes on with the next line.

use std::io::{self, BufRead, Read};

/// One line of input.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The line's bytes, without the line ending.
    Text(Vec<u8>),
    /// The line was longer than the limit; this many bytes were skipped.
    TooLong(u64),
}

/// Lines of at most `limit` bytes from `inner`, counting bytes read (for progress).
pub struct BoundedLines<R> {
    inner: R,
    limit: usize,
    /// 1-based number of the last line returned.
    pub line_number: u64,
    /// Bytes consumed so far.
    pub bytes_read: u64,
}

impl<R: BufRead> BoundedLines<R> {
    /// Reads `inner` with lines of at most `limit` bytes.
    pub fn new(inner: R, limit: usize) -> Self {
        BoundedLines { inner, limit, line_number: 0, bytes_read: 0 }
    }

    /// The next line, or `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        // read_until finds line ends with std's optimised memchr; `take` caps what one
        // call may append, so an endless line never grows the buffer past the limit.
        let mut buf = Vec::new();
        let cap = self.limit as u64 + 1;
        let n = (&mut self.inner).take(cap).read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes_read += n as u64;
        self.line_number += 1;
        let ended = buf.last() == Some(&b'\n');
        if ended {
            buf.pop();
        }
        if buf.len() > self.limit {
            let mut skipped = buf.len() as u64;
            if !ended {
                let mut scratch = Vec::with_capacity(64 * 1024);
                loop {
                    scratch.clear();
                    let n = (&mut self.inner).take(64 * 1024).read_until(b'\n', &mut scratch)?;
                    self.bytes_read += n as u64;
                    if scratch.last() == Some(&b'\n') {
                        skipped += n as u64 - 1;
                        break;
                    }
                    skipped += n as u64;
                    if n == 0 {
                        break;
                    }
                }
            }
            return Ok(Some(Line::TooLong(skipped)));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(Line::Text(buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], limit: usize) -> Vec<Line> {
        let mut lines = BoundedLines::new(io::BufReader::with_capacity(4, input), limit);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().expect("reads") {
            out.push(l);
        }
        out
    }

    #[test]
    fn splits_lines_and_strips_crlf() {
        assert_eq!(
            all(b"a\r\nbc\n\nd", 10),
            vec![
                Line::Text(b"a".to_vec()),
                Line::Text(b"bc".to_vec()),
                Line::Text(Vec::new()),
                Line::Text(b"d".to_vec())
            ]
        );
    }

    #[test]
    fn a_long_line_is_skipped_and_reading_goes_on() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\nok\n");
        assert_eq!(all(&input, 10), vec![Line::TooLong(50), Line::Text(b"ok".to_vec())]);
    }

    #[test]
    fn an_empty_input_has_no_lines() {
        assert!(all(b"", 10).is_empty());
    }
}

/// Property tests: whatever the input, no line is longer than the limit, every byte
/// is accounted for, and what fits comes back exactly.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn lines_are_bounded_and_bytes_accounted_for(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..600),
            limit in 1usize..64,
        ) {
            let mut lines = BoundedLines::new(io::BufReader::with_capacity(7, &input[..]), limit);
            let mut rebuilt = Vec::new();
            let mut too_long = false;
            while let Some(line) = lines.next_line().expect("reads") {
                match line {
                    Line::Text(t) => {
                        prop_assert!(t.len() <= limit);
                        rebuilt.extend_from_slice(&t);
                        rebuilt.push(b'\n');
                    }
                    Line::TooLong(n) => {
                        prop_assert!(n as usize > limit);
                        too_long = true;
                    }
                }
            }
            prop_assert_eq!(lines.bytes_read, input.len() as u64);
            if !too_long && !input.contains(&b'\r') {
                let mut expected = input.clone();
                if !expected.is_empty() && expected.last() != Some(&b'\n') {
                    expected.push(b'\n');
                }
                prop_assert_eq!(rebuilt, expected);
            }
        }
    }
}
