//! Test helpers: encoders and an in-memory source.
#![allow(dead_code)]

use std::io::Write;

use exhibit_evidence::{EvidenceError, Source};
use exhibit_scan::{scan_bytes, scan_source, CollectSink, Feature, Kind, Note, ScanConfig};

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A ZIP local file header + data (no central directory needed).
pub fn zip_member(name: &str, data: &[u8], deflated: bool, descriptor: bool) -> Vec<u8> {
    let body = if deflated {
        deflate(data)
    } else {
        data.to_vec()
    };
    let crc = {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    };
    let mut v = b"PK\x03\x04".to_vec();
    v.extend_from_slice(&20u16.to_le_bytes());
    v.extend_from_slice(&(if descriptor { 8u16 } else { 0 }).to_le_bytes());
    v.extend_from_slice(&(if deflated { 8u16 } else { 0 }).to_le_bytes());
    v.extend_from_slice(&[0, 0, 0, 0]);
    let (c, cs, us) = if descriptor {
        (0, 0, 0)
    } else {
        (crc, body.len() as u32, data.len() as u32)
    };
    v.extend_from_slice(&c.to_le_bytes());
    v.extend_from_slice(&cs.to_le_bytes());
    v.extend_from_slice(&us.to_le_bytes());
    v.extend_from_slice(&(name.len() as u16).to_le_bytes());
    v.extend_from_slice(&0u16.to_le_bytes());
    v.extend_from_slice(name.as_bytes());
    v.extend_from_slice(&body);
    if descriptor {
        v.extend_from_slice(b"PK\x07\x08");
        v.extend_from_slice(&crc.to_le_bytes());
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    }
    v
}

pub fn base64(data: &[u8], line: usize) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = Vec::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                s.push(A[(n >> (18 - 6 * k) & 63) as usize]);
            } else {
                s.push(b'=');
            }
        }
    }
    if line == 0 {
        return s;
    }
    let mut out = Vec::new();
    for (k, l) in s.chunks(line).enumerate() {
        if k > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(l);
    }
    out
}

pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

pub fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

/// Deterministic pseudo-random bytes (xorshift).
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

pub struct Mem(pub Vec<u8>);

impl Source for Mem {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        if offset >= self.0.len() as u64 {
            return Ok(0);
        }
        let o = offset as usize;
        let n = buf.len().min(self.0.len() - o);
        buf[..n].copy_from_slice(&self.0[o..o + n]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn name(&self) -> &str {
        "mem"
    }
}

pub fn scan(data: &[u8], cfg: &ScanConfig) -> (Vec<Feature>, Vec<Note>) {
    let sink = CollectSink::new();
    scan_bytes(data, 0, cfg, &sink);
    sink.into_parts()
}

pub fn scan_chunked(data: &[u8], cfg: &ScanConfig) -> (Vec<Feature>, Vec<Note>) {
    let sink = CollectSink::new();
    scan_source(&Mem(data.to_vec()), cfg, &sink, &|_| {}).unwrap();
    sink.into_parts()
}

pub fn of(fs: &[Feature], k: Kind) -> Vec<&Feature> {
    fs.iter().filter(|f| f.kind == k).collect()
}

/// (path, offset, value, encoding) of the features of kind `k`.
pub fn brief(fs: &[Feature], k: Kind) -> Vec<(String, u64, String, Option<&'static str>)> {
    of(fs, k)
        .into_iter()
        .map(|f| (f.path.clone(), f.offset, f.value.clone(), f.encoding))
        .collect()
}
