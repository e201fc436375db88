import Dispatch

/// Runs long or blocking work (pooling many studies, copying and hashing an image, SQLite's
/// backup) on a Dispatch queue, so that it never holds one of the cooperative pool's few
/// threads while other requests wait.
func offPool<T: Sendable>(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        queue.async { continuation.resume(with: Result { try work() }) }
    }
}
