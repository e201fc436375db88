/// Polls `condition` until it holds; fails with `message` after `timeout`.
public func eventually(_ message: @autoclosure () -> String, timeout: Duration = .seconds(30),
                       _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("timed out after \(timeout): \(message())")
}
