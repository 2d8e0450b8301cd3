//! The fixed set of gRPC methods the server knows, read from the descriptor sets it serves.
//! Metric labels come only from this table, so a client calling made-up paths cannot grow the
//! number of series.

use std::collections::HashMap;

use prost::Message as _;

/// How a method streams, as go-grpc-prometheus names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrpcType {
    Unary,
    ClientStream,
    ServerStream,
    BidiStream,
}

impl GrpcType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GrpcType::Unary => "unary",
            GrpcType::ClientStream => "client_stream",
            GrpcType::ServerStream => "server_stream",
            GrpcType::BidiStream => "bidi_stream",
        }
    }
}

/// One method's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MethodInfo {
    /// `govshare.v1.CatalogService`
    pub service: String,
    /// `GetEntry`
    pub method: String,
    pub grpc_type: GrpcType,
    /// Health checks and reflection: no credential, no access-log record.
    pub infrastructure: bool,
}

/// Every method of every service served, by path (`/govshare.v1.CatalogService/GetEntry`).
#[derive(Debug, Clone, Default)]
pub(crate) struct MethodTable {
    by_path: HashMap<String, MethodInfo>,
}

impl MethodTable {
    /// The methods of the contract, health and reflection.
    pub(crate) fn served() -> Self {
        let mut table = MethodTable::default();
        table.add(crate::proto::FILE_DESCRIPTOR_SET, false);
        table.add(tonic_health::pb::FILE_DESCRIPTOR_SET, true);
        table.add(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET, true);
        table.add(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET, true);
        table
    }

    fn add(&mut self, encoded: &[u8], infrastructure: bool) {
        // The sets are compiled into the binary; a set that does not decode is a build error
        // that the tests catch (every method would be unknown).
        let Ok(set) = prost_types::FileDescriptorSet::decode(encoded) else {
            return;
        };
        for file in set.file {
            let package = file.package.unwrap_or_default();
            for service in file.service {
                let service_name = format!("{package}.{}", service.name.unwrap_or_default());
                for m in service.method {
                    let name = m.name.unwrap_or_default();
                    let grpc_type = match (
                        m.client_streaming.unwrap_or(false),
                        m.server_streaming.unwrap_or(false),
                    ) {
                        (false, false) => GrpcType::Unary,
                        (true, false) => GrpcType::ClientStream,
                        (false, true) => GrpcType::ServerStream,
                        (true, true) => GrpcType::BidiStream,
                    };
                    self.by_path.insert(
                        format!("/{service_name}/{name}"),
                        MethodInfo {
                            service: service_name.clone(),
                            method: name,
                            grpc_type,
                            infrastructure,
                        },
                    );
                }
            }
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &MethodInfo)> {
        self.by_path.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_contract_health_and_reflection() {
        let table = MethodTable::served().by_path;
        let get = table
            .get("/govshare.v1.CatalogService/GetEntry")
            .expect("GetEntry");
        assert_eq!(get.grpc_type, GrpcType::Unary);
        assert!(!get.infrastructure);
        let publish = table
            .get("/govshare.v1.ExchangeService/PublishData")
            .expect("PublishData");
        assert_eq!(publish.grpc_type, GrpcType::ClientStream);
        let fetch = table
            .get("/govshare.v1.ExchangeService/FetchData")
            .expect("FetchData");
        assert_eq!(fetch.grpc_type, GrpcType::ServerStream);
        let check = table.get("/grpc.health.v1.Health/Check").expect("Check");
        assert!(check.infrastructure);
        let reflect = table
            .get("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
            .expect("reflection");
        assert_eq!(reflect.grpc_type, GrpcType::BidiStream);
        let reflect_v1alpha = table
            .get("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
            .expect("reflection v1alpha");
        assert!(reflect_v1alpha.infrastructure);
        assert!(table.contains_key("/govshare.v1.AuditService/VerifyAccessLog"));
        assert!(!table.contains_key("/made.up/Path"));
    }
}
