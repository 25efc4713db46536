//! Generated training evidence with an answer key.
//!
//! Officers are trained on evidence they cannot take from real cases, so
//! `exhibit demo` builds a realistic seizure from data this crate generates:
//! a small USB-stick image with a partition table and planted traces of a
//! crypto-investment scam (chat text, a phishing mail, a wallet address, a
//! UTF-16 onion address, a gzip-compressed note). The [`AnswerKey`] says what
//! was planted where, so a trainee's findings can be checked.
//!
//! # What this crate must never do
//! - Read or write real evidence: it only produces bytes.
//! - Be non-deterministic: the same version always generates the same image
//!   (fixed seed), so answer keys stay valid and examiners can compare.
#![deny(missing_docs)]

use std::io::Write;

use serde::Serialize;

/// Size of the generated image.
pub const IMAGE_SIZE: usize = 8 * 1024 * 1024;
const SECTOR: usize = 512;
const PARTITION_START_LBA: u32 = 2048;

/// One planted trace and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planted {
    /// What kind of lead it is, named as `exhibit scan` names it (`email`,
    /// `url`, `ip`, `phone`, `wallet`, `onion`, …).
    pub kind: String,
    /// The value as an examiner should report it (normalised: E.164 for
    /// phones).
    pub value: String,
    /// The value as it is written in the evidence.
    pub written: String,
    /// Byte offset in the image of the container the value is in.
    pub offset: u64,
    /// Decoding path in bulk_extractor's notation (`OFFSET-GZIP-N`,
    /// `UTF16LE`), empty when the value is stored as plain bytes.
    pub encoding: String,
    /// Why it matters to the case.
    pub note: String,
}

/// What the trainee should find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerKey {
    /// The story of the case, for the trainer.
    pub scenario: String,
    /// Partitions of the image: (first sector, sector count, type byte).
    pub partitions: Vec<(u32, u32, u8)>,
    /// Every planted trace, in image order.
    pub planted: Vec<Planted>,
}

/// Deterministic filler (xorshift64), so unallocated space is not all zeros.
fn filler(buf: &mut [u8], seed: u64) {
    let mut x = seed | 1;
    for b in buf.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x >> 32) as u8;
    }
}

fn put(image: &mut [u8], at: usize, data: &[u8]) {
    image[at..at + data.len()].copy_from_slice(data);
}

/// Generates the sample seizure image and its answer key.
pub fn usb_stick() -> (Vec<u8>, AnswerKey) {
    let mut image = vec![0u8; IMAGE_SIZE];
    let sectors = (IMAGE_SIZE / SECTOR) as u32;
    let part_len = sectors - PARTITION_START_LBA;
    // MBR: disk signature, one FAT32 (LBA) partition entry, boot signature.
    put(&mut image, 440, &0x4558_4849u32.to_le_bytes());
    let mut entry = [0u8; 16];
    entry[4] = 0x0c;
    entry[8..12].copy_from_slice(&PARTITION_START_LBA.to_le_bytes());
    entry[12..16].copy_from_slice(&part_len.to_le_bytes());
    put(&mut image, 446, &entry);
    put(&mut image, 510, &[0x55, 0xaa]);
    // The partition's unallocated-looking space gets noise first.
    let start = PARTITION_START_LBA as usize * SECTOR;
    filler(&mut image[start + 64 * 1024..], 0x5eed);

    let mut planted = Vec::new();
    let mut plant =
        |image: &mut Vec<u8>, at: usize, data: &[u8], p: Vec<(&str, &str, &str)>, enc: &str| {
            put(image, at, data);
            for (kind, value, note) in p {
                // A phone is written for people and reported in E.164.
                let normalized = if kind == "phone" {
                    value.replace(' ', "")
                } else {
                    value.to_string()
                };
                planted.push(Planted {
                    kind: kind.into(),
                    value: normalized,
                    written: value.into(),
                    offset: at as u64,
                    encoding: enc.into(),
                    note: note.into(),
                });
            }
        };

    let chat = "2026-03-14 21:07 Nok: the platform is https://goldwin-fx.example/invest ok?\n\
                2026-03-14 21:09 Anan: send 0.5 BTC to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT and screenshot\n\
                2026-03-14 21:10 Anan: questions to support@goldwin-fx.example or +66 81 234 5678\n";
    plant(
        &mut image,
        start + 70 * 1024,
        chat.as_bytes(),
        vec![
            (
                "url",
                "https://goldwin-fx.example/invest",
                "the fake investment platform",
            ),
            (
                "wallet",
                "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
                "Bitcoin: where the victim was told to pay",
            ),
            (
                "email",
                "support@goldwin-fx.example",
                "the scam's contact address",
            ),
            ("phone", "+66 81 234 5678", "the scammer's phone number"),
        ],
        "",
    );

    let mail = "Received: from mail.goldwin-fx.example (unknown [203.0.113.45])\r\n\
                From: \"Bangkok Bank Security\" <security@bangkokbank-secure-login.example>\r\n\
                To: victim@example.org\r\n\
                Subject: Verify your account\r\n\r\n\
                Click https://bangkokbank-secure-login.example/verify within 24 hours.\r\n";
    plant(
        &mut image,
        start + 200 * 1024 + 17,
        mail.as_bytes(),
        vec![
            (
                "ip",
                "203.0.113.45",
                "the sending host in the first Received line",
            ),
            (
                "email",
                "security@bangkokbank-secure-login.example",
                "spoofed bank sender (lookalike domain)",
            ),
            ("email", "victim@example.org", "the victim"),
            (
                "url",
                "https://bangkokbank-secure-login.example/verify",
                "the phishing link",
            ),
        ],
        "",
    );

    let onion =
        "market: http://vaomh7fotbkedsz2kzz2bipkwjlnvkomfjdm3g3nukbjb62owu6pdcyd.onion/shop";
    let utf16: Vec<u8> = onion.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let onion_at = start + 400 * 1024 + 3;
    plant(
        &mut image,
        onion_at,
        &utf16,
        vec![(
            "onion",
            "vaomh7fotbkedsz2kzz2bipkwjlnvkomfjdm3g3nukbjb62owu6pdcyd.onion",
            "darknet shop, stored as UTF-16 (a Windows application's text)",
        )],
        "UTF16LE",
    );

    let note = b"laundering: USDT TRC20 TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf  -- ask for 3% fee\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    let gz_bytes = gz
        .write_all(note)
        .and_then(|_| gz.finish())
        .unwrap_or_default();
    let gz_at = start + 600 * 1024;
    let within = note.iter().position(|&b| b == b'T').unwrap_or(0);
    plant(
        &mut image,
        gz_at,
        &gz_bytes,
        vec![(
            "wallet",
            "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf",
            "Tron (USDT): the laundering wallet, only visible after decompressing",
        )],
        &format!("{gz_at}-GZIP-{within}"),
    );

    let key = AnswerKey {
        scenario: "A victim in Bangkok reported losing savings to a fake crypto-investment platform. \
                   Police seized a USB stick from a suspect. Find the platform, the payment wallet, \
                   the phishing mail, the darknet shop and the laundering wallet."
            .into(),
        partitions: vec![(PARTITION_START_LBA, part_len, 0x0c)],
        planted,
    };
    (image, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_planted_where_the_key_says() {
        let (a, key) = usb_stick();
        let (b, _) = usb_stick();
        assert!(a == b);
        assert_eq!(a.len(), IMAGE_SIZE);
        assert_eq!(&a[510..512], &[0x55, 0xaa]);
        for p in key.planted.iter().filter(|p| p.encoding.is_empty()) {
            let at = p.offset as usize;
            let window = &a[at..at + 1024];
            let found = window
                .windows(p.written.len())
                .any(|w| w == p.written.as_bytes());
            assert!(found, "{} not at {}", p.written, p.offset);
        }
    }
}
