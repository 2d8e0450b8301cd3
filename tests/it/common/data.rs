//! Snapshot uploads: the messages of a PublishData call.

use govshare_server::proto::{self, PublishDataRequest, PublishHeader, publish_data_request};

/// The messages of one upload: the header, then `data` in chunks of `chunk` bytes.
pub fn upload(
    entry_code: &str,
    media_type: &str,
    data: &[u8],
    chunk: usize,
) -> Vec<PublishDataRequest> {
    let mut messages = vec![PublishDataRequest {
        part: Some(publish_data_request::Part::Header(PublishHeader {
            entry_code: entry_code.into(),
            media_type: media_type.into(),
            ..Default::default()
        })),
    }];
    messages.extend(data.chunks(chunk).map(|c| PublishDataRequest {
        part: Some(publish_data_request::Part::Chunk(
            bytes::Bytes::copy_from_slice(c),
        )),
    }));
    messages.push(end_message());
    messages
}

/// The last message of a complete upload.
pub fn end_message() -> PublishDataRequest {
    PublishDataRequest {
        part: Some(publish_data_request::Part::End(proto::PublishEnd {})),
    }
}
