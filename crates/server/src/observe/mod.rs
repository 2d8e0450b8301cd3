//! What every call leaves behind: an access-log record (durable before the reply ends), the
//! gRPC metrics, and one log line, all with the same request id. The layer wraps every
//! service; handlers only add to the call's [`CallNote`].

mod body;
mod call;
mod layer;
mod methods;
mod note;
mod text_fields;

pub use layer::ObserveLayer;
pub use methods::{GrpcType, MethodTable};
pub use note::{CallNote, note};
pub use text_fields::EscapedFields;
