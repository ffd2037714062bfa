//! SHA-256 content digests (`sha256:<64 lowercase hex>`).

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// A SHA-256 content digest, the only algorithm the store accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    hex: String,
}

/// Failure to parse a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The text lacks the `algorithm:` prefix.
    #[error("invalid digest {0:?}: expected sha256:<64 hex characters>")]
    Malformed(String),
    /// The algorithm is not SHA-256.
    #[error("unsupported digest algorithm in {0:?}: only sha256 is supported")]
    UnsupportedAlgorithm(String),
}

impl Digest {
    /// Parses `sha256:<hex>`, rejecting other algorithms and malformed hex.
    pub fn parse(text: &str) -> Result<Digest, DigestError> {
        let Some((algorithm, hex)) = text.split_once(':') else {
            return Err(DigestError::Malformed(text.to_owned()));
        };
        if algorithm != "sha256" {
            return Err(DigestError::UnsupportedAlgorithm(text.to_owned()));
        }

        let valid_hex =
            hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid_hex {
            return Err(DigestError::Malformed(text.to_owned()));
        }
        Ok(Digest {
            hex: hex.to_owned(),
        })
    }

    /// Computes the digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest::from_hasher(Sha256::new_with_prefix(bytes))
    }

    /// Returns the 64 hexadecimal characters without the algorithm.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    pub(crate) fn from_hasher(hasher: Sha256) -> Digest {
        Digest {
            hex: hex::encode(hasher.finalize()),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

/// Reader that hashes and counts what passes through it, and fails once more
/// than `limit` bytes were read.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
    limit: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            count: 0,
            limit,
        }
    }

    /// Returns the number of bytes read so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Returns the digest and the number of bytes read.
    pub(crate) fn finish(self) -> (Digest, u64) {
        (Digest::from_hasher(self.hasher), self.count)
    }
}

/// Marker carried inside the `io::Error` a [`HashingReader`] returns when the
/// limit is exceeded, so callers can tell it apart from decoding errors.
#[derive(Debug, thiserror::Error)]
#[error("more than {limit} bytes")]
pub(crate) struct LimitExceeded {
    pub(crate) limit: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count += read as u64;
        if self.count > self.limit {
            return Err(io::Error::other(LimitExceeded { limit: self.limit }));
        }
        self.hasher.update(&buf[..read]);
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_parse_accepts_sha256() {
        let text = format!("sha256:{}", "ab".repeat(32));
        let digest = Digest::parse(&text).unwrap();
        assert_eq!(digest.to_string(), text);
        assert_eq!(digest.hex(), "ab".repeat(32));
    }

    #[test]
    fn digest_parse_rejects_other_algorithms() {
        let text = format!("sha512:{}", "ab".repeat(64));
        assert_eq!(
            Digest::parse(&text),
            Err(DigestError::UnsupportedAlgorithm(text.clone()))
        );
    }

    #[test]
    fn digest_parse_rejects_malformed_hex() {
        for text in [
            "sha256",
            "sha256:abc",
            &format!("sha256:{}", "AB".repeat(32)),
        ] {
            assert_eq!(
                Digest::parse(text),
                Err(DigestError::Malformed(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn digest_of_empty_input() {
        let expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(Digest::of(b"").hex(), expected);
    }

    #[test]
    fn hashing_reader_stops_past_limit() {
        let mut reader = HashingReader::new(&b"0123456789"[..], 4);
        let error = io::copy(&mut reader, &mut io::sink()).unwrap_err();
        assert!(error.get_ref().unwrap().is::<LimitExceeded>());
    }
}
