/**
 * Client plugin (backend `plugin/http-client`): the backend's executor answers canned weather by
 * city from its settings, with no network call. Status handling, decoding and the backend's
 * `allow`/`mapping`/`group` still apply to what it answers.
 */
import { Effect, Plugin, Schema } from "sluice/plugin"

export default Plugin.client({
  name: "weather",
  config: Schema.Struct({ cities: Schema.Record(Schema.String, Schema.Number) }),
  make: (config) =>
    Effect.succeed(Plugin.fetchClient((request) => {
      const city = new URL(request.url).pathname.split("/").at(-1) ?? ""
      const celsius = config.cities[city]
      return celsius === undefined
        ? Response.json({ error: `no weather for ${city}` }, { status: 404 })
        : Response.json({ city, celsius, source: "weather plugin" })
    }))
})
