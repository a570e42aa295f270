//! Writer → reader round trips and the typed errors of simple corruptions.

use alloc::vec::Vec;

use super::{small_config, small_model};
use crate::format::header::{HEADER_CRC_OFFSET, HEADER_SIZE, QUANT_INT8_PLANES};
use crate::format::layout::{self, LayerPart, Matrix};
use crate::format::weights::{empty_matrix, LayerWeights};
use crate::format::{write_model, FormatError, Header, MatrixId, MemFile, ModelReader, SectionId};
use crate::math::Layout;

fn open(bytes: &[u8]) -> Result<ModelReader<MemFile<'_>>, FormatError> {
    ModelReader::open(MemFile::new(bytes))
}

/// Rewrites the header checksum after a deliberate edit of a header field.
fn set_header_u32(bytes: &mut [u8], offset: usize, value: u32) {
    bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    let crc = crate::format::crc::hash(&bytes[..HEADER_CRC_OFFSET]);
    bytes[HEADER_CRC_OFFSET..HEADER_SIZE].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn whole_model_round_trips_tied_and_untied() {
    for tied in [true, false] {
        let model = small_model(small_config(tied), 7);
        let bytes = write_model(&model).unwrap();
        let mut r = open(&bytes).unwrap();
        assert_eq!(r.header().file_length as usize, bytes.len());
        let back = r.read_weights().unwrap();
        assert_eq!(back, model);
        assert!(r.bytes_allocated() <= bytes.len() as u64);
        assert_eq!(back.output_head().rows, 23);
    }
}

#[test]
fn header_encode_decode_round_trips() {
    let bytes = write_model(&small_model(small_config(false), 1)).unwrap();
    let header = Header::decode(bytes[..HEADER_SIZE].try_into().unwrap()).unwrap();
    assert_eq!(&header.encode()[..], &bytes[..HEADER_SIZE]);
    header.validate(bytes.len() as u64).unwrap();
}

#[test]
fn section_lengths_match_layout() {
    let c = small_config(false);
    let bytes = write_model(&small_model(c, 2)).unwrap();
    let h = open(&bytes).unwrap().header().clone();
    assert_eq!(h.embed.length as u64, layout::embed_section_size(&c).unwrap());
    assert_eq!(h.layers[0].length as u64, layout::layer_section_size(&c).unwrap());
    assert_eq!(h.tokenizer.length, 37);
    // Sections are aligned even after the odd-sized tokenizer.
    assert!(h.sections().all(|(_, s)| s.offset % 4 == 0));
}

#[test]
fn layers_stream_into_one_reused_buffer() {
    let model = small_model(small_config(true), 3);
    let bytes = write_model(&model).unwrap();
    let mut r = open(&bytes).unwrap();
    let mut buf = LayerWeights::empty();
    for i in [2, 0, 1, 1] {
        r.read_layer_into(i, &mut buf).unwrap();
        assert_eq!(buf, model.layers[i]);
    }
    assert_eq!(r.read_layer(3).unwrap_err(), FormatError::NoSuchLayer { index: 3, num_layers: 3 });
}

#[test]
fn layer_vectors_read_alone() {
    let c = small_config(true);
    let model = small_model(c, 6);
    let bytes = write_model(&model).unwrap();
    let mut r = open(&bytes).unwrap();
    let mut buf = LayerWeights::empty();
    for i in [1, 0, 2] {
        let read = r.read_layer_vectors_into(i, &mut buf).unwrap();
        let m = &model.layers[i];
        assert_eq!((&buf.norm1, &buf.norm2), (&m.norm1, &m.norm2));
        assert_eq!((&buf.qkv_bias, &buf.attn_out_bias), (&m.qkv_bias, &m.attn_out_bias));
        assert_eq!((&buf.ffn_in_bias, &buf.ffn_out_bias), (&m.ffn_in_bias, &m.ffn_out_bias));
        assert_eq!(buf.attn_qkv, empty_matrix(), "matrices are not read");
        let matrices: u64 = [LayerPart::AttnQkv, LayerPart::AttnOut, LayerPart::FfnIn, LayerPart::FfnOut]
            .iter()
            .map(|p| p.record_size(&c).unwrap())
            .sum();
        assert_eq!(read + matrices, layout::layer_section_size(&c).unwrap());
    }
}

#[test]
fn row_chunks_equal_slices_of_the_full_matrix() {
    let model = small_model(small_config(false), 4);
    let bytes = write_model(&model).unwrap();
    let mut r = open(&bytes).unwrap();
    let cases = [
        (MatrixId::Embed, &model.embed),
        (MatrixId::Output, model.output.as_ref().unwrap()),
        (MatrixId::Layer(1, Matrix::FfnOut), &model.layers[1].ffn_out),
        (MatrixId::Layer(2, Matrix::Qkv), &model.layers[2].attn_qkv),
    ];
    let mut chunk = empty_matrix();
    for (id, full) in cases {
        let info = r.matrix_info(id).unwrap();
        assert_eq!((info.rows() as usize, info.cols() as usize), (full.rows, full.cols));
        let gpr = full.groups_per_row();
        for (a, b) in [(0, 1), (2, 5), (full.rows - 1, full.rows), (0, full.rows)] {
            r.read_matrix_rows(&info, a..b, &mut chunk).unwrap();
            assert_eq!(chunk.rows, b - a);
            assert_eq!(chunk.shift, full.shift);
            assert_eq!(chunk.scales[..], full.scales[a * gpr..b * gpr]);
            assert_eq!(chunk.q[..], full.q[a * full.cols..b * full.cols]);
        }
        let err = r.read_matrix_rows(&info, 0..full.rows + 1, &mut chunk).unwrap_err();
        assert!(matches!(err, FormatError::RowRange { .. }));
    }
}

#[test]
fn every_section_verifies() {
    let bytes = write_model(&small_model(small_config(false), 5)).unwrap();
    let mut r = open(&bytes).unwrap();
    let sections: Vec<_> = r.header().sections().collect();
    assert_eq!(sections.len(), 5 + 3);
    for (id, s) in sections {
        r.verify_section(id, s).unwrap();
    }
}

#[test]
fn identity_errors_are_precise() {
    let mut bytes = write_model(&small_model(small_config(true), 6)).unwrap();
    assert_eq!(open(&bytes[..5]).err(), Some(FormatError::TooShort { length: 5 }));
    assert_eq!(open(&bytes[..100]).err(), Some(FormatError::TooShort { length: 100 }));
    let mut v1 = bytes.clone();
    v1[8] = 1;
    assert_eq!(open(&v1).err(), Some(FormatError::UnsupportedVersion { found: 1 }));
    let mut sig = bytes.clone();
    sig[0] = b'X';
    assert_eq!(open(&sig).err(), Some(FormatError::BadSignature));
    let n = bytes.len();
    assert_eq!(open(&bytes[..n - 1]).err(), Some(FormatError::FileLength { stored: n as u32, actual: n as u64 - 1 }));
    bytes[20] ^= 1;
    assert!(matches!(open(&bytes).err(), Some(FormatError::HeaderChecksum { .. })));
}

#[test]
fn corrupt_layer_is_named_and_other_layers_still_load() {
    let model = small_model(small_config(true), 8);
    let mut bytes = write_model(&model).unwrap();
    let layer1 = open(&bytes).unwrap().header().layers[1];
    bytes[layer1.offset as usize + 300] ^= 0x40;
    let mut r = open(&bytes).unwrap();
    assert_eq!(r.read_layer(0).unwrap(), model.layers[0]);
    let err = r.read_layer(1).unwrap_err();
    assert!(matches!(err, FormatError::SectionChecksum { section: SectionId::Layer(1), .. }));
    assert_eq!(r.read_layer(2).unwrap(), model.layers[2]);
    assert!(r.read_weights().is_err());
}

#[test]
fn header_fields_are_cross_checked() {
    let bytes = write_model(&small_model(small_config(true), 9)).unwrap();
    // num_heads (offset 24) must divide embed_dim.
    let mut b = bytes.clone();
    set_header_u32(&mut b, 24, 3);
    assert_eq!(open(&b).err(), Some(FormatError::BadField { field: "num_heads", value: 3 }));
    // vocab_size (offset 20) changes the embedding size.
    let mut b = bytes.clone();
    set_header_u32(&mut b, 20, 1 << 30);
    assert!(matches!(open(&b).err(), Some(FormatError::SectionLength { section: SectionId::Embed, .. })));
    // A layer offset (offset 28 + 4) pointing into the header.
    let mut b = bytes.clone();
    set_header_u32(&mut b, 32, 64);
    assert!(matches!(open(&b).err(), Some(FormatError::SectionBounds { .. })));
    // Two layers at the same place.
    let mut b = bytes.clone();
    let first = u32::from_le_bytes(b[28..32].try_into().unwrap());
    set_header_u32(&mut b, 32, first);
    assert!(matches!(open(&b).err(), Some(FormatError::SectionOverlap { .. })));
    // An unused layer slot must stay empty.
    let mut b = bytes.clone();
    set_header_u32(&mut b, 28 + 4 * 100, 4096);
    assert!(matches!(open(&b).err(), Some(FormatError::BadField { .. })));
    // Unknown flag bits and quantization schemes are refused.
    let mut b = bytes.clone();
    set_header_u32(&mut b, 564, 3);
    assert_eq!(open(&b).err(), Some(FormatError::BadField { field: "flags", value: 3 }));
    let mut b = bytes;
    set_header_u32(&mut b, 568, 3);
    assert_eq!(open(&b).err(), Some(FormatError::BadField { field: "quant_scheme", value: 3 }));
}

#[test]
fn writer_refuses_inconsistent_models() {
    let mut m = small_model(small_config(true), 10);
    m.layers[1].ffn_in_bias.pop();
    assert!(matches!(write_model(&m), Err(FormatError::RecordShape { .. })));
    let mut m = small_model(small_config(true), 10);
    m.config.tied_output = false;
    assert!(matches!(write_model(&m), Err(FormatError::Unencodable { .. })));
    let mut m = small_model(small_config(true), 10);
    m.layers.pop();
    assert!(matches!(write_model(&m), Err(FormatError::Unencodable { .. })));
}

#[test]
fn error_messages_carry_details() {
    let e = FormatError::SectionChecksum { section: SectionId::Layer(4), stored: 1, computed: 2 };
    let text = alloc::format!("{e}");
    assert!(text.starts_with(e.message()));
    assert!(text.contains("layer 4"), "{text}");
    let e = FormatError::UnsupportedVersion { found: 1 };
    assert!(alloc::format!("{e}").contains("version 1"));
}

#[test]
fn crc_is_the_documented_crc32() {
    // docs/FORMAT.md §1: CRC-32/ISO-HDLC, check value of "123456789".
    assert_eq!(crate::format::crc::hash(b"123456789"), 0xCBF4_3926);
}

#[test]
fn an_empty_tokenizer_does_not_hide_an_overlap() {
    let mut bytes = write_model(&small_model(small_config(true), 13)).unwrap();
    let h = open(&bytes).unwrap().header().clone();
    // Empty tokenizer inside layer 0, and layer 1 moved to overlap layer 0's end.
    set_header_u32(&mut bytes, 588, h.layers[0].offset + 8);
    set_header_u32(&mut bytes, 592, 0);
    set_header_u32(&mut bytes, 628, 0);
    set_header_u32(&mut bytes, 28 + 4, h.layers[0].offset + 16);
    assert!(matches!(open(&bytes).err(), Some(FormatError::SectionOverlap { .. })));
}

#[test]
fn an_empty_tokenizer_is_accepted() {
    let mut model = small_model(small_config(false), 14);
    model.tokenizer.clear();
    let bytes = write_model(&model).unwrap();
    assert_eq!(open(&bytes).unwrap().read_weights().unwrap(), model);
}

#[test]
fn bit_plane_layout_round_trips_and_keeps_the_values() {
    let mut c = small_config(false);
    c.group_size = 16;
    let rows = small_model(c, 11);
    let planes = rows.clone().with_layout(Layout::Planes);
    assert_eq!(planes.config.weight_layout, Layout::Planes);
    assert_ne!(planes.layers[0].attn_qkv.q, rows.layers[0].attn_qkv.q);
    let bytes = write_model(&planes).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[568..572].try_into().unwrap()), QUANT_INT8_PLANES);
    let back = open(&bytes).unwrap().read_weights().unwrap();
    assert_eq!(back, planes);
    assert_eq!(back.with_layout(Layout::Rows), rows);
    // A matrix in the other layout than the header says is refused by the writer.
    let mut mixed = planes.clone();
    mixed.layers[1].ffn_in = rows.layers[1].ffn_in.clone();
    assert!(matches!(write_model(&mixed), Err(FormatError::Unencodable { .. })));
    // Bit planes exist for groups 16, 32, 48, 64 only: group 8 stays in rows, which
    // the writer refuses to label as planes, and a reader refuses such a header.
    let odd = small_model(small_config(false), 12).with_layout(Layout::Planes);
    assert!(matches!(write_model(&odd), Err(FormatError::Unencodable { .. })));
    let mut bytes = write_model(&small_model(small_config(false), 12)).unwrap();
    set_header_u32(&mut bytes, 568, QUANT_INT8_PLANES);
    assert!(matches!(open(&bytes), Err(FormatError::BadField { field: "group_size (bit planes)", value: 8 })));
}

#[test]
fn version_2_files_are_read_and_may_not_hold_bit_planes() {
    let model = small_model(small_config(false), 13);
    let mut bytes = write_model(&model).unwrap();
    set_header_u32(&mut bytes, 8, 2);
    assert_eq!(open(&bytes).unwrap().read_weights().unwrap(), model);
    let mut c = small_config(false);
    c.group_size = 16;
    let mut bytes = write_model(&small_model(c, 14).with_layout(Layout::Planes)).unwrap();
    set_header_u32(&mut bytes, 8, 2);
    assert!(matches!(open(&bytes), Err(FormatError::BadField { field: "quant_scheme", value: 2 })));
    set_header_u32(&mut bytes, 8, 4);
    assert!(matches!(open(&bytes), Err(FormatError::UnsupportedVersion { found: 4 })));
}
