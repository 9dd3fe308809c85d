import { XMLValidator } from "fast-xml-parser"
import { describe, expect, it } from "vitest"
import * as Json from "../../src/encoding/Json.ts"
import * as Xml from "../../src/encoding/Xml.ts"
import * as Yaml from "../../src/encoding/Yaml.ts"
import * as YAML from "yaml"

const data = (text: string): Record<string, unknown> => {
  const r = Json.parse(text)
  if (!r.ok) throw new Error(r.message)
  return r.value as Record<string, unknown>
}

describe("xml and yaml renders", () => {
  it("xml: keys become valid element names, nested arrays render <item>s, the document is well-formed", () => {
    const out = Xml.render(data('{"k<k":1,"a b":2,"1abc":1,"x/y":3,"arr":[[1,2]],"":4,"xml:ns":5,"é":6}'))
    expect(out).toBe("<doc><k_k>1</k_k><a_b>2</a_b><_1abc>1</_1abc><x_y>3</x_y><arr><item>1</item><item>2</item></arr><_>4</_><xml_ns>5</xml_ns><é>6</é></doc>")
    expect(XMLValidator.validate(out)).toBe(true)
  })

  it("xml: data never injects markup (text escaped, forbidden characters replaced, bad attribute names become elements)", () => {
    const out = Xml.render(data('{"t":"</t><x a=\\"1\\">&amp;\\u0000","-a\\" onload=\\"x":"v","-ok":"a\\"<b","#text":"<i>","n":null,"l":[{"q":"1"},[{"r":2}]]}'))
    expect(out).toBe(
      '<doc ok="a&quot;&lt;b">&lt;i&gt;<t>&lt;/t&gt;&lt;x a=&quot;1&quot;&gt;&amp;amp;\uFFFD</t><_-a__onload__x>v</_-a__onload__x><n/><l><q>1</q></l><l><item><r>2</r></item></l></doc>'
    )
    expect(XMLValidator.validate(out)).toBe(true)
  })

  it("xml and yaml keep an own __proto__ key like json", () => {
    const d = data('{"__proto__":{"a":1},"b":2}')
    expect(JSON.stringify(d)).toBe('{"__proto__":{"a":1},"b":2}')
    expect(Xml.render(d)).toBe("<doc><__proto__><a>1</a></__proto__><b>2</b></doc>")
    expect(Yaml.render(d)).toBe("__proto__:\n  a: 1\nb: 2\n")
    expect(({} as Record<string, unknown>)["a"]).toBeUndefined()
  })

  it("xml: a map with a single object-valued key is that root element (mxj); several keys, or a scalar, are wrapped in <doc>", () => {
    expect(Xml.render(data('{"user":{"-type":"admin","name":"Ada","#text":"x"}}'))).toBe("<user type=\"admin\">x<name>Ada</name></user>")
    expect(Xml.render(data('{"user":{"name":"Ada"},"other":1}'))).toBe("<doc><user><name>Ada</name></user><other>1</other></doc>")
    expect(Xml.render(data('{"count":1}'))).toBe("<doc><count>1</count></doc>")
    expect(Xml.render(data('{"list":[{"a":1}]}'))).toBe("<doc><list><a>1</a></list></doc>")
  })

  it("yaml keys are sorted like Go's yaml", () => {
    expect(Yaml.render(data('{"b":1,"a":{"z":1,"c":2}}'))).toBe("a:\n  c: 2\n  z: 1\nb: 1\n")
  })

  it("xml and yaml write raw numbers as their exact text", () => {
    const d = data('{"id":12345678901234567891,"e":1e400,"l":[-12345678901234567891]}')
    expect(Xml.render(d)).toBe("<doc><id>12345678901234567891</id><e>1e400</e><l>-12345678901234567891</l></doc>")
    const y = Yaml.render(d)
    expect(y).toBe("e: 1e400\nid: 12345678901234567891\nl:\n  - -12345678901234567891\n")
    expect(YAML.parse(y, { intAsBigInt: true })).toEqual({ id: 12345678901234567891n, e: Infinity, l: [-12345678901234567891n] })
  })
})
