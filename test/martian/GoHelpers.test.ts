/**
 * The Go behaviours martian modifiers rely on, checked against what Go's `net/url`, `net` and
 * `net/http` produce: query encoding, path escaping, host:port handling, martian's `MatchHost`,
 * cookie lines, and `proxyutil.Header` on Host and Content-Length.
 */
import { describe, expect, it } from "vitest"
import * as Cookies from "../../src/martian/Cookies.ts"
import * as Message from "../../src/martian/Message.ts"
import * as Url from "../../src/martian/Url.ts"
import type * as Proxy from "../../src/proxy/Proxy.ts"

describe("Url", () => {
  it("splits and formats a URL without normalising it", () => {
    const u = Url.parse("http://u:p@h.test:81/a/../b%2F?x=1&y")
    expect(u).toEqual({ scheme: "http", userinfo: "u:p@", host: "h.test:81", path: "/a/../b%2F", query: "x=1&y" })
    expect(Url.format(u)).toBe("http://u:p@h.test:81/a/../b%2F?x=1&y")
    expect(Url.decodedPath(u)).toBe("/a/../b/")
  })

  it("parses a query like url.ParseQuery (bad pairs dropped) and encodes it sorted, like Values.Encode", () => {
    const values = Url.parseQuery("b=2&a=x+y&a=%zz&c;d=1&&a=%C3%A9&e")
    expect([...values]).toEqual([["b", ["2"]], ["a", ["x y", "é"]], ["e", [""]]])
    values.set("z", ["a b&c/d~*"])
    expect(Url.encodeQuery(values)).toBe("a=x+y&a=%C3%A9&b=2&e=&z=a+b%26c%2Fd~%2A")
  })

  it("escapes a path like Go's EscapedPath", () => {
    expect(Url.escapePath("/a b/ü?#!$&'()*+,;=:@~")).toBe("/a%20b/%C3%BC%3F%23%21$&%27%28%29%2A+,;=:@~")
  })

  it("splits and joins host:port like net.SplitHostPort / JoinHostPort", () => {
    expect(Url.splitHostPort("h:80")).toEqual(["h", "80"])
    expect(Url.splitHostPort("[::1]:80")).toEqual(["::1", "80"])
    expect(Url.splitHostPort("h")).toBe("address h: missing port in address")
    expect(Url.splitHostPort("::1:80")).toBe("address ::1:80: too many colons in address")
    expect(Url.joinHostPort("::1", "8080")).toBe("[::1]:8080")
    expect(Url.portOf(Url.parse("https://h/"))).toBe(443)
    expect(Url.portOf(Url.parse("http://h:8080/"))).toBe(8080)
  })

  it("matches hosts like martian's MatchHost (* stands for one label)", () => {
    expect(Url.matchHost("api.example.com", "*.example.com")).toBe(true)
    expect(Url.matchHost("a.b.example.com", "*.example.com")).toBe(false)
    expect(Url.matchHost("example.com", "*.example.com")).toBe(false)
    expect(Url.matchHost("api.example.com", "api.*.com")).toBe(true)
    expect(Url.matchHost("api.example.com:80", "api.example.com")).toBe(false)
  })
})

describe("Cookies", () => {
  it("writes Set-Cookie as Go's Cookie.String (attribute order, quoted values, leading dot dropped)", () => {
    expect(Cookies.setCookie({
      name: "n",
      value: "a b",
      path: "/p",
      domain: ".example.com",
      expires: Date.UTC(2030, 0, 2, 3, 4, 5),
      secure: true,
      httpOnly: true,
      maxAge: -1
    })).toBe("n=\"a b\"; Path=/p; Domain=example.com; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=0; HttpOnly; Secure")
  })

  it("reads Cookie and Set-Cookie lines like Go's readCookies / readSetCookies", () => {
    expect(Cookies.requestCookies(["a=1; b=\"2\"; bad name=3; c", "d=4"])).toEqual([["a", "1"], ["b", "2"], ["c", ""], ["d", "4"]])
    expect(Cookies.responseCookies(["s=abc; Path=/; HttpOnly", "t=\"q\""])).toEqual([["s", "abc"], ["t", "q"]])
  })

  it("checks names and domains as Go does", () => {
    expect(Cookies.validName("a b")).toBe(false)
    expect(Cookies.validDomain("-a.com")).toBe(false)
    expect(Cookies.validDomain("10.0.0.1")).toBe(true)
    expect(Cookies.validValue("a\"b")).toBe(false)
  })
})

describe("proxyutil.Header", () => {
  const req = Message.request({
    method: "POST",
    path: "/",
    url: "http://h.test:81/x",
    query: [],
    params: {},
    headers: { "X-A": ["1", "2"] },
    body: new TextEncoder().encode("hello"),
    deadline: 0,
    clientIp: "127.0.0.1"
  })!

  it("reads Host and Content-Length from the request, not the header map", () => {
    expect(Message.get(req, "Host")).toBe("h.test:81")
    expect(Message.get(req, "Content-Length")).toBe("5")
    expect(Message.get(req, "X-A")).toBe("1")
    expect(Message.add(req, "Content-Length", "5")).toBe("proxyutil: illegal header multiple: Content-Length")
    expect(Message.set(req, "Content-Length", "x")).toBe("strconv.ParseInt: parsing \"x\": invalid syntax")
  })

  it("a Host equal to the URL's authority is no override; another one is", () => {
    const sent = Message.toProxyRequest(req, requestOf(req)) as Proxy.ProxyRequest
    expect(sent.host).toBeUndefined()
    const other = { ...req, host: "other.test" }
    expect((Message.toProxyRequest(other, requestOf(req)) as Proxy.ProxyRequest).host).toBe("other.test")
    expect(Message.toProxyRequest({ ...req, host: "bad host" }, requestOf(req))).toBe("http: invalid Host header \"bad host\"")
  })
})

const requestOf = (req: Message.Req): Proxy.ProxyRequest => ({
  method: req.method,
  path: "/",
  url: Url.format(req.url),
  query: [],
  params: {},
  headers: req.headers,
  body: req.body,
  deadline: 0,
  clientIp: "127.0.0.1"
})
