import Foundation

/// A task executor (SE-0417) with threads of its own, outside Swift's cooperative pool.
///
/// Tasks given it as their executor preference run their code here, and so do the default
/// actors they call. The pool has one thread per core and never preempts: CPU-bound work
/// there makes every other task wait for it. Work on these threads is preempted by the
/// operating system instead, so the pool's threads stay free and quick to answer. With a
/// `niceness` above 0 (Linux keeps it per thread) the work here also yields the cores to
/// the process's other threads, and to other processes, whenever they have something to do.
final class DedicatedThreadsExecutor: TaskExecutor, @unchecked Sendable {
    /// Guards `jobs`, `running` and `stopping`; signalled when a job arrives or on shutdown.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var running = 0
    private var stopping = false

    /// Threads named `ldn-heavy-0`, `ldn-heavy-1`, …
    init(threads: Int, niceness: Int32 = 0) {
        running = max(1, threads)
        for index in 0..<running {
            let thread = Thread { [self] in
                // What `top -H` and `ps -L` show (Linux allows 15 bytes); a new thread would
                // otherwise carry its creator's name, such as a dispatch worker's.
                Thread.current.name = "ldn-heavy-\(index)"
                // PRIO_PROCESS with 0 is the calling thread on Linux. Best effort: a failure
                // only leaves the thread at the process's priority.
                if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
                work()
            }
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
