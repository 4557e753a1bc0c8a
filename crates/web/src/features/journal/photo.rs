//! Turning an uploaded file into a photo fit to keep: size checked first,
//! then the dimensions the header claims (an image bomb is refused before
//! a single pixel is decoded), then decoded under limits, turned upright,
//! shrunk to at most 1600 px on the long side and re-encoded as JPEG. The
//! new file carries no metadata: camera, time and location are gone.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use troth_domain::journal::{
    check_photo_dimensions, check_photo_size, fit_within, PhotoRefusal, PHOTO_MAX_SIDE, PHOTO_MAX_SOURCE_SIDE,
};
use troth_store::NewPhoto;

/// The formats we open: what phones and browsers send.
const ACCEPTED: [ImageFormat; 3] = [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP];
/// Room for the decoded pixels of the largest photo we accept (48 MP in
/// RGBA is 192 MB) and the decoder's own buffers.
const DECODE_ALLOC_LIMIT: u64 = 256 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

/// Decodes, checks and re-encodes; CPU-heavy, so callers run it off the
/// async threads.
pub fn prepare(bytes: &[u8]) -> Result<NewPhoto, PhotoRefusal> {
    check_photo_size(bytes.len())?;
    let format = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.format())
        .filter(|f| ACCEPTED.contains(f))
        .ok_or(PhotoRefusal::NotAnImage)?;
    // The header alone: how large the canvas claims to be.
    let (width, height) =
        ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().map_err(|_| PhotoRefusal::NotAnImage)?;
    check_photo_dimensions(width, height)?;

    let mut limits = Limits::default();
    limits.max_image_width = Some(PHOTO_MAX_SOURCE_SIDE);
    limits.max_image_height = Some(PHOTO_MAX_SOURCE_SIDE);
    limits.max_alloc = Some(DECODE_ALLOC_LIMIT);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    // Phones often store a photo sideways with a note to turn it; the note
    // goes with the metadata, so turn the pixels now.
    let orientation = decoder.orientation().map_err(refusal)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    img.apply_orientation(orientation);

    let (w, h) = fit_within(img.width(), img.height(), PHOTO_MAX_SIDE);
    if (w, h) != (img.width(), img.height()) {
        img = img.resize_exact(w, h, FilterType::Triangle);
    }
    let rgb = img.to_rgb8();
    let mut data = Vec::new();
    JpegEncoder::new_with_quality(&mut data, JPEG_QUALITY).encode_image(&rgb).map_err(|_| PhotoRefusal::NotAnImage)?;
    Ok(NewPhoto { content_type: "image/jpeg".to_string(), width: rgb.width(), height: rgb.height(), data })
}

fn refusal(e: image::ImageError) -> PhotoRefusal {
    match e {
        image::ImageError::Limits(_) => PhotoRefusal::TooManyPixels,
        _ => PhotoRefusal::NotAnImage,
    }
}
