import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `transform` of every element with its index, in order, spread over the cores in
    /// chunks: for independent, CPU-bound work on many elements, such as mapping each
    /// citation of a large export. Small arrays are mapped on the calling thread.
    func concurrentMap<Mapped: Sendable>(_ transform: @Sendable (Int, Element) -> Mapped) -> [Mapped] {
        let chunkSize = 64
        guard count > chunkSize else { return enumerated().map { transform($0.offset, $0.element) } }
        let chunks = (count + chunkSize - 1) / chunkSize
        let parts = Mutex([[Mapped]](repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = chunk * chunkSize..<Swift.min(count, (chunk + 1) * chunkSize)
            let part = range.map { transform($0, self[$0]) }
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.flatMap { $0 } }
    }
}
