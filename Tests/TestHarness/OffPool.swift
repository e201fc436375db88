import Foundation

/// Runs blocking work (a socket's receive, a child's exit) on a thread of its own and
/// returns its result. Blocking a thread of Swift's cooperative pool instead — there are
/// only two on two cores — starves every task of every test running at the same time,
/// such as a server under test.
///
/// Swift Testing's `#expect` does not work on that thread (it knows no current test):
/// return what the work found and check it afterwards.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
