import Foundation

/// A PNG file's pixels, read as far as the plot tests need: 8-bit RGB or RGBA, not
/// interlaced (what rsvg-convert writes). The image data is inflated with the system's zlib
/// (libz.so.1, which every Debian with rsvg-convert has), loaded at run time.
struct PNGImage {
    let width: Int
    let height: Int
    /// Bytes per pixel: 3 (RGB) or 4 (RGBA).
    let channels: Int
    /// Unfiltered rows, `width * channels` bytes each.
    let pixels: [UInt8]

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Unreadable(description: "not a PNG file")
        }
        func integer(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 8
        var header: (width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8)?
        var compressed: [UInt8] = []
        while offset + 8 <= bytes.count {
            let length = integer(offset)
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let body = offset + 8
            guard body + length <= bytes.count else { throw Unreadable(description: "chunk \(type) runs past the end") }
            if type == "IHDR" {
                header = (integer(body), integer(body + 4), bytes[body + 8], bytes[body + 9], bytes[body + 12])
            } else if type == "IDAT" {
                compressed += bytes[body..<body + length]
            }
            offset = body + length + 4  // the CRC
        }
        guard let header else { throw Unreadable(description: "no IHDR chunk") }
        guard header.depth == 8, header.colour == 2 || header.colour == 6, header.interlace == 0 else {
            throw Unreadable(description: "bit depth \(header.depth), colour type \(header.colour), interlace \(header.interlace): not read here")
        }
        width = header.width
        height = header.height
        channels = header.colour == 6 ? 4 : 3
        let stride = width * channels
        let raw = try Self.inflate(compressed, expected: height * (stride + 1))
        pixels = try Self.unfilter(raw, rows: height, stride: stride, channels: channels)
    }

    /// The pixel at (x, y) as (r, g, b, a).
    func pixel(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8, UInt8) {
        let at = (y * width + x) * channels
        return (pixels[at], pixels[at + 1], pixels[at + 2], channels == 4 ? pixels[at + 3] : 255)
    }

    /// How many pixels differ from `background` (r, g, b, fully opaque).
    func count(differingFrom background: (UInt8, UInt8, UInt8)) -> Int {
        var count = 0
        for y in 0..<height {
            for x in 0..<width {
                let (r, g, b, a) = pixel(x, y)
                if (r, g, b) != background || a != 255 { count += 1 }
            }
        }
        return count
    }

    private typealias Uncompress = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?,
                                                   UnsafePointer<UInt8>?, UInt) -> Int32

    static func inflate(_ data: [UInt8], expected: Int) throws -> [UInt8] {
        guard let library = dlopen("libz.so.1", RTLD_NOW), let symbol = dlsym(library, "uncompress") else {
            throw Unreadable(description: "cannot load zlib (libz.so.1): apt-get install zlib1g")
        }
        let uncompress = unsafeBitCast(symbol, to: Uncompress.self)
        var output = [UInt8](repeating: 0, count: expected)
        var length = UInt(expected)
        let status = output.withUnsafeMutableBufferPointer { out in
            data.withUnsafeBufferPointer { input in uncompress(out.baseAddress, &length, input.baseAddress, UInt(data.count)) }
        }
        guard status == 0, length == UInt(expected) else {
            throw Unreadable(description: "zlib uncompress failed (status \(status), \(length) of \(expected) bytes)")
        }
        return output
    }

    /// Undoes PNG's per-row filters (None, Sub, Up, Average, Paeth).
    static func unfilter(_ raw: [UInt8], rows: Int, stride: Int, channels: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * stride)
        for row in 0..<rows {
            let filter = raw[row * (stride + 1)]
            let source = row * (stride + 1) + 1, target = row * stride
            for index in 0..<stride {
                let value = raw[source + index]
                let left = index >= channels ? Int(out[target + index - channels]) : 0
                let up = row > 0 ? Int(out[target - stride + index]) : 0
                let upLeft = row > 0 && index >= channels ? Int(out[target - stride + index - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                case 4:
                    let estimate = left + up - upLeft
                    let (a, b, c) = (abs(estimate - left), abs(estimate - up), abs(estimate - upLeft))
                    predictor = a <= b && a <= c ? left : (b <= c ? up : upLeft)
                default: throw Unreadable(description: "unknown PNG filter \(filter) in row \(row)")
                }
                out[target + index] = UInt8((Int(value) + predictor) & 0xFF)
            }
        }
        return out
    }
}
