import Foundation

#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let streamSocket = SOCK_STREAM
private let sendFlags: Int32 = 0
#endif

/// A TCP proxy on a free loopback port in front of the test S3 server that fails on purpose:
/// it answers `503 SlowDown` a given number of times before forwarding, refuses some objects,
/// drops the connection in the middle of a request body and then stops listening (a server that
/// died mid-write), or accepts requests and never answers. Blocking sockets on threads of its own; every wait polls
/// with a short timeout so that ``stop()`` ends them.
final class FaultProxy: @unchecked Sendable {
    enum Mode {
        /// Answer this many requests with 503 SlowDown, then forward.
        case slowDown(Int)
        /// Read the request head and a little of the body, then close everything and stop.
        case dropMidRequest
        /// Read requests and never answer.
        case hang
        /// Forward every request.
        case forward
        /// Answer requests whose request line contains the text with 403 AccessDenied (a
        /// permission missing on some objects); forward the rest.
        case deny(containing: String)
        /// Forward every request without the named header (a server that ignores it); only
        /// for unsigned (anonymous) requests, whose signature does not cover it.
        case dropHeader(String)
    }

    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var mode: Mode
    private var stopped = false
    private var requests = 0
    private var requestLines: [String] = []
    private var connections: Set<Int32> = []

    /// The number of requests the proxy has received.
    var requestCount: Int { lock.withLock { requests } }
    /// The first line of each request received (`GET /bucket/key HTTP/1.1`).
    var receivedRequestLines: [String] { lock.withLock { requestLines } }

    init(upstreamPort: Int, mode: Mode) throws {
        self.upstreamPort = upstreamPort
        self.mode = mode
        let descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// Closes the listening socket and every connection.
    func stop() {
        let sockets: [Int32] = lock.withLock {
            guard !stopped else { return [] }
            stopped = true
            defer { connections = [] }
            return Array(connections) + [listener]
        }
        for socket in sockets {
            shutdown(socket, Int32(SHUT_RDWR))
            close(socket)
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while !isStopped {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            let accepted = lock.withLock { () -> Bool in
                guard !stopped else { return false }
                connections.insert(connection)
                return true
            }
            guard accepted else {
                close(connection)
                return
            }
            Thread { [self] in serve(connection) }.start()
        }
    }

    /// Reads up to `count` bytes, waiting at most until the proxy stops; empty at the end.
    private func receive(_ socket: Int32, _ count: Int = 65536) -> [UInt8]? {
        while !isStopped {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready == 0 { continue }
            guard ready > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: count)
            let received = recv(socket, &buffer, count, 0)
            guard received > 0 else { return nil }
            return Array(buffer[..<received])
        }
        return nil
    }

    private func sendAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, sendFlags) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private func finish(_ connection: Int32) {
        let owned = lock.withLock { connections.remove(connection) != nil }
        if owned { close(connection) }
    }

    /// Serves one client connection: request after request until it closes.
    private func serve(_ connection: Int32) {
        defer { finish(connection) }
        var pending: [UInt8] = []
        while true {
            // The request head.
            var headEnd: Int?
            while headEnd == nil {
                headEnd = pending.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
                if headEnd == nil {
                    guard let more = receive(connection) else { return }
                    pending += more
                }
            }
            guard let headEnd else { return }
            let head = String(decoding: pending[..<headEnd], as: UTF8.self)
            let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            let currentMode: Mode = lock.withLock {
                requests += 1
                requestLines.append(head.split(separator: "\r\n").first.map(String.init) ?? "")
                if case .slowDown(let remaining) = mode, remaining > 0 {
                    mode = .slowDown(remaining - 1)
                    return .slowDown(remaining)
                }
                if case .slowDown = mode { return .forward }
                return mode
            }
            if case .dropMidRequest = currentMode {
                // Wait for some of the body, then vanish like a killed server.
                while pending.count < headEnd + min(length, 4096) {
                    guard let more = receive(connection) else { break }
                    pending += more
                }
                stop()
                return
            }
            while pending.count < headEnd + length {
                guard let more = receive(connection) else { return }
                pending += more
            }
            let request = Array(pending[..<(headEnd + length)])
            pending.removeFirst(headEnd + length)
            switch currentMode {
            case .slowDown:
                let body = Array("<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>".utf8)
                let response = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: \(body.count)\r\n\r\n"
                guard sendAll(connection, Array(response.utf8) + body) else { return }
            case .deny(let text) where head.split(separator: "\r\n").first?.contains(text) == true:
                let body = Array("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>".utf8)
                let response = "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: \(body.count)\r\n\r\n"
                guard sendAll(connection, Array(response.utf8) + body) else { return }
            case .hang:
                while !isStopped { usleep(50_000) }
                return
            case .dropHeader(let name):
                let prefix = name.lowercased() + ":"
                let lines = head.components(separatedBy: "\r\n").filter { !$0.lowercased().hasPrefix(prefix) }
                let newHead = Array(lines.joined(separator: "\r\n").utf8)
                forward(newHead + request[headEnd...], headEnd: newHead.count, to: connection)
                return
            case .forward, .dropMidRequest, .deny:
                // One request per upstream connection, closed by the server after its answer.
                forward(request, headEnd: headEnd, to: connection)
                return
            }
        }
    }

    private func forward(_ request: [UInt8], headEnd: Int, to connection: Int32) {
        let upstream = socket(AF_INET, streamSocket, 0)
        guard upstream >= 0 else { return }
        defer { close(upstream) }
        var address = Self.loopback(port: UInt16(upstreamPort))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        // Ask the server to close after answering, so that the answer ends at end of stream.
        let closing = Array(request[..<(headEnd - 2)]) + Array("Connection: close\r\n\r\n".utf8) + Array(request[headEnd...])
        guard sendAll(upstream, closing) else { return }
        while let bytes = receive(upstream), !bytes.isEmpty {
            guard sendAll(connection, bytes) else { return }
        }
    }
}
