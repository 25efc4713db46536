//! RFC 9162 (= RFC 6962 §2.1) Merkle tree hashing, inclusion proofs and
//! consistency proofs over SHA-256.
//!
//! * leaf hash: `SHA-256(0x00 || data)`
//! * node hash: `SHA-256(0x01 || left || right)`
//! * `MTH({})` = `SHA-256("")`; `MTH({d0})` = leaf hash of `d0`;
//!   `MTH(D[n])` for `n > 1` = node hash of `MTH(D[0:k])` and `MTH(D[k:n])`
//!   where `k` is the largest power of two smaller than `n`.
//!
//! Every function here takes *leaf hashes* (already prefixed with `0x00`
//! and hashed), never raw leaf data.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The leaf hash of `data`: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// The interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The Merkle tree hash (root) of a list of leaf hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [only] => *only,
        _ => {
            let k = split(leaves.len());
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The inclusion proof (audit path, RFC 9162 §2.1.3.1) of leaf `index`
/// (0-based) in the tree made of `leaves`. `None` if `index` is out of range.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    path(index, leaves, &mut out);
    Some(out)
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split(leaves.len());
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// The consistency proof (RFC 9162 §2.1.4.1) that the tree of the first
/// `old_size` leaves is a prefix of the tree made of all `leaves`.
///
/// Empty when `old_size` is 0 or equals `leaves.len()`; `None` when
/// `old_size > leaves.len()`.
pub fn consistency_proof(leaves: &[Hash], old_size: usize) -> Option<Vec<Hash>> {
    if old_size > leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    if old_size > 0 {
        subproof(old_size, leaves, true, &mut out);
    }
    Some(out)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Shifts `f` and `s` right together until `f`'s lowest bit is set or `f`
/// is zero (the inner step of RFC 9162 §2.1.3.2 and §2.1.4.2).
fn shift_until_odd(f: &mut u64, s: &mut u64) {
    while *f & 1 == 0 && *f != 0 {
        *f >>= 1;
        *s >>= 1;
    }
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2): that `leaf` is leaf
/// number `index` (0-based) of the tree of `tree_size` leaves whose root
/// is `root`.
pub fn verify_inclusion(
    index: u64,
    tree_size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if index >= tree_size {
        return false;
    }
    let (mut f, mut s) = (index, tree_size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                shift_until_odd(&mut f, &mut s);
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2): that the tree of
/// `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root`.
///
/// Edge cases (as in the certificate-transparency reference code): equal
/// sizes need an empty proof and equal roots; an `old_size` of 0 is
/// consistent with anything given an empty proof; a shrinking tree never
/// verifies.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    if proof.is_empty() {
        return false;
    }
    let (mut f, mut s) = (old_size - 1, new_size - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (**first, **first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                shift_until_odd(&mut f, &mut s);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn h(s: &str) -> Hash {
        unhex(s).try_into().unwrap()
    }

    /// The eight leaves of the certificate-transparency test suite.
    fn ct_leaves() -> Vec<Hash> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|d| leaf_hash(&unhex(d)))
        .collect()
    }

    const CT_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// Brute-force reference MTH straight from the RFC text, over raw data,
    /// concatenating byte vectors (independent of the code under test).
    fn reference_mth(data: &[Vec<u8>]) -> Vec<u8> {
        let sha = |bytes: Vec<u8>| Sha256::digest(&bytes).to_vec();
        match data.len() {
            0 => sha(vec![]),
            1 => sha([vec![0u8], data[0].clone()].concat()),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                let l = reference_mth(&data[..k]);
                let r = reference_mth(&data[k..]);
                sha([vec![1u8], l, r].concat())
            }
        }
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn roots_match_ct_vectors_and_reference() {
        let leaves = ct_leaves();
        for n in 1..=8 {
            assert_eq!(hex::encode(root(&leaves[..n])), CT_ROOTS[n - 1], "size {n}");
        }
        let data: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; i as usize % 5]).collect();
        for n in 0..=data.len() {
            let lh: Vec<Hash> = data[..n].iter().map(|d| leaf_hash(d)).collect();
            assert_eq!(root(&lh).to_vec(), reference_mth(&data[..n]), "size {n}");
        }
    }

    #[test]
    fn split_is_largest_power_of_two_below() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1025, 1024)] {
            assert_eq!(split(n), k);
        }
    }

    #[test]
    fn inclusion_proofs_match_ct_vectors() {
        let leaves = ct_leaves();
        let cases: [(usize, usize, &[&str]); 5] = [
            (0, 1, &[]),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                1,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (index, size, want) in cases {
            let proof = inclusion_proof(&leaves[..size], index).unwrap();
            let got: Vec<String> = proof.iter().map(hex::encode).collect();
            assert_eq!(got, want, "leaf {index} of {size}");
            let r = h(CT_ROOTS[size - 1]);
            assert!(verify_inclusion(
                index as u64,
                size as u64,
                &leaves[index],
                &proof,
                &r
            ));
        }
    }

    #[test]
    fn consistency_proofs_match_ct_vectors() {
        let leaves = ct_leaves();
        let cases: [(usize, usize, &[&str]); 5] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                7,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        for (old, new, want) in cases {
            let proof = consistency_proof(&leaves[..new], old).unwrap();
            let got: Vec<String> = proof.iter().map(hex::encode).collect();
            assert_eq!(got, want, "{old} -> {new}");
            assert!(verify_consistency(
                old as u64,
                new as u64,
                &h(CT_ROOTS[old - 1]),
                &h(CT_ROOTS[new - 1]),
                &proof
            ));
        }
    }

    #[test]
    fn every_proof_verifies_and_every_mutation_fails() {
        let leaves: Vec<Hash> = (0..33u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let bogus = leaf_hash(b"bogus");
        for n in 1..=leaves.len() {
            let r = root(&leaves[..n]);
            for i in 0..n {
                let proof = inclusion_proof(&leaves[..n], i).unwrap();
                let (i64_, n64) = (i as u64, n as u64);
                assert!(
                    verify_inclusion(i64_, n64, &leaves[i], &proof, &r),
                    "{i}/{n}"
                );
                assert!(!verify_inclusion(i64_, n64, &bogus, &proof, &r));
                assert!(!verify_inclusion(i64_ + 1, n64, &leaves[i], &proof, &r) || n == 1);
                let mut longer = proof.clone();
                longer.push(r);
                assert!(!verify_inclusion(i64_, n64, &leaves[i], &longer, &r));
                for j in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[j][0] ^= 1;
                    assert!(!verify_inclusion(i64_, n64, &leaves[i], &bad, &r));
                    let mut shorter = proof.clone();
                    shorter.remove(j);
                    assert!(!verify_inclusion(i64_, n64, &leaves[i], &shorter, &r));
                }
            }
            assert!(inclusion_proof(&leaves[..n], n).is_none());
            for m in 0..=n {
                let old = root(&leaves[..m]);
                let proof = consistency_proof(&leaves[..n], m).unwrap();
                let (m64, n64) = (m as u64, n as u64);
                assert!(verify_consistency(m64, n64, &old, &r, &proof), "{m}->{n}");
                if m == 0 || m == n {
                    assert!(proof.is_empty());
                    continue;
                }
                assert!(!verify_consistency(m64, n64, &bogus, &r, &proof));
                assert!(!verify_consistency(m64, n64, &old, &bogus, &proof));
                assert!(!verify_consistency(n64, m64, &r, &old, &proof));
                assert!(!verify_consistency(m64, n64, &old, &r, &[]));
                for j in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[j][31] ^= 0x80;
                    assert!(!verify_consistency(m64, n64, &old, &r, &bad));
                }
                let mut longer = proof.clone();
                longer.push(old);
                assert!(!verify_consistency(m64, n64, &old, &r, &longer));
            }
            assert!(consistency_proof(&leaves[..n], n + 1).is_none());
        }
    }
}
