import Foundation

/// A task executor (SE-0417) with threads of its own, outside Swift's cooperative pool.
///
/// Tasks given it as their executor preference run their code here, and so do the default
/// actors they call. The pool has one thread per core and never preempts: CPU-bound work
/// there makes every other task wait for it. Work on these threads is preempted by the
/// operating system instead, so the pool's threads stay free and quick to answer.
final class DedicatedThreadsExecutor: TaskExecutor, @unchecked Sendable {
    let name: String
    /// Guards `jobs`, `running` and `stopping`; signalled when a job arrives or on shutdown.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var running = 0
    private var stopping = false

    init(name: String, threads: Int) {
        self.name = name
        running = max(1, threads)
        for index in 0..<running {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        guard running > 0 else {
            condition.unlock()
            // Shut down already (a task outlived its server): run it anyway, never lose it.
            Thread { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }.start()
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the queued jobs have run. Jobs that come later still run,
    /// each on a thread of its own.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while let job = next() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// The oldest queued job; nil once shutting down with nothing queued.
    private func next() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count {
            if stopping {
                running -= 1
                return nil
            }
            condition.wait()
        }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}
