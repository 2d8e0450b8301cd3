//! What every call leaves behind: an access-log record (durable before the reply ends), the
//! gRPC metrics, and one log line, all with the same request id. The layer wraps every
//! service; handlers only add to the call's [`CallNote`].

mod body;
mod call;
mod layer;
mod methods;
mod note;
mod text_fields;

pub(crate) use layer::ObserveLayer;
pub(crate) use methods::{GrpcType, MethodTable};
pub(crate) use note::{CallNote, note};
pub(crate) use text_fields::EscapedFields;
