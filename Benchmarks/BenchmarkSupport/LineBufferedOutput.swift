// Only Glibc here, imported @preconcurrency: `stdout` is a C global, which Swift 6 will not
// let code touch otherwise (a file importing Foundation imports Glibc plainly).
@preconcurrency import Glibc

/// Prints each line as it comes, also into a file or a pipe: a long benchmark shows its
/// progress (standard output is otherwise block-buffered when it is not a terminal).
public func lineBufferedOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
