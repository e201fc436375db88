/// A JSON number as it was written: an integer when written without fraction or exponent
/// and within 64 bits, otherwise a double. Integers stay exact, so sequence number
/// 9007199254740993 stays itself, and a double such as 1e19 is never turned into an integer
/// by accident (`Int(1e19)` traps).
public enum JSONNumber: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case double(Double)

    /// The value as a double (integers above 2^53 are rounded).
    public var double: Double {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        }
    }

    /// The value as a whole number of type `T`, or nil when it is not whole or does not fit.
    /// Doubles count as whole only within ±2^53, where every whole double is exact.
    public func exactly<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        switch self {
        case .integer(let value):
            return T(exactly: value)
        case .double(let value):
            guard abs(value) <= Self.largestExactDouble, let whole = Int64(exactly: value) else { return nil }
            return T(exactly: whole)
        }
    }

    /// 2^53: above it, doubles skip whole numbers.
    static let largestExactDouble = 9_007_199_254_740_992.0

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .double(let value): value.description
        }
    }

    /// Numeric equality: `1` and `1.0` are the same number.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        switch (lhs, rhs) {
        case let (.integer(a), .integer(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.integer(a), .double(b)), let (.double(b), .integer(a)): Int64(exactly: b) == a
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .integer(let value): hasher.combine(value)
        case .double(let value):
            if let whole = Int64(exactly: value) { hasher.combine(whole) } else { hasher.combine(value) }
        }
    }
}

extension JSONNumber: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
}
