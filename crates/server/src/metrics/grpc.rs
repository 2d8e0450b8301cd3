//! `grpc_server_started_total`, `grpc_server_handled_total` and `grpc_server_handling_seconds`,
//! labelled as go-grpc-prometheus labels them, with handles resolved once per method.

use std::collections::HashMap;

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
};
use tonic::Code;

use crate::observe::{GrpcType, MethodTable};

/// The handles of one method (or of every unknown path together).
#[derive(Debug, Clone)]
pub(crate) struct MethodMetrics {
    pub started: IntCounter,
    pub handling: Histogram,
    labels: [String; 3],
}

/// The gRPC server metrics.
#[derive(Debug)]
pub(crate) struct GrpcMetrics {
    handled: IntCounterVec,
    methods: HashMap<String, MethodMetrics>,
    unknown: MethodMetrics,
}

/// The label value of a gRPC code, as Go's `codes.Code.String()` spells it.
pub(super) fn code_label(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "Canceled",
        Code::Unknown => "Unknown",
        Code::InvalidArgument => "InvalidArgument",
        Code::DeadlineExceeded => "DeadlineExceeded",
        Code::NotFound => "NotFound",
        Code::AlreadyExists => "AlreadyExists",
        Code::PermissionDenied => "PermissionDenied",
        Code::ResourceExhausted => "ResourceExhausted",
        Code::FailedPrecondition => "FailedPrecondition",
        Code::Aborted => "Aborted",
        Code::OutOfRange => "OutOfRange",
        Code::Unimplemented => "Unimplemented",
        Code::Internal => "Internal",
        Code::Unavailable => "Unavailable",
        Code::DataLoss => "DataLoss",
        Code::Unauthenticated => "Unauthenticated",
    }
}

const LABELS: [&str; 3] = ["grpc_type", "grpc_service", "grpc_method"];

impl GrpcMetrics {
    pub(crate) fn new(registry: &Registry, methods: &MethodTable) -> prometheus::Result<Self> {
        let started = IntCounterVec::new(
            Opts::new(
                "grpc_server_started_total",
                "Total number of RPCs started on the server.",
            ),
            &LABELS,
        )?;
        let handled = IntCounterVec::new(
            Opts::new(
                "grpc_server_handled_total",
                "Total number of RPCs completed on the server, regardless of success or failure.",
            ),
            &["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
        )?;
        let handling = HistogramVec::new(
            HistogramOpts::new(
                "grpc_server_handling_seconds",
                "Histogram of response latency (seconds) of gRPC that had been application-level \
                 handled by the server.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0, 30.0, 60.0,
            ]),
            &LABELS,
        )?;
        registry.register(Box::new(started.clone()))?;
        registry.register(Box::new(handled.clone()))?;
        registry.register(Box::new(handling.clone()))?;
        let resolve = |grpc_type: &str, service: &str, method: &str| {
            let values = [grpc_type, service, method];
            MethodMetrics {
                started: started.with_label_values(&values),
                handling: handling.with_label_values(&values),
                labels: values.map(str::to_owned),
            }
        };
        let methods = methods
            .iter()
            .map(|(path, info)| {
                (
                    path.clone(),
                    resolve(info.grpc_type.as_str(), &info.service, &info.method),
                )
            })
            .collect();
        let unknown = resolve(GrpcType::Unary.as_str(), "unknown", "unknown");
        Ok(GrpcMetrics {
            handled,
            methods,
            unknown,
        })
    }

    /// The handles of the method at `path`; every unknown path shares one set.
    pub(crate) fn method(&self, path: &str) -> &MethodMetrics {
        self.methods.get(path).unwrap_or(&self.unknown)
    }

    /// Counts one finished call.
    pub(crate) fn handled(&self, method: &MethodMetrics, code: Code, seconds: f64) {
        let [grpc_type, service, name] = &method.labels;
        self.handled
            .with_label_values(&[grpc_type.as_str(), service, name, code_label(code)])
            .inc();
        method.handling.observe(seconds);
    }
}
