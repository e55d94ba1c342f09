#!/usr/bin/env bash
# The seed guide "Meter LLM traffic", end to end, against a running `./tollgate serve`: a consumer and the /chat route
# with ai-proxy, the AI Gateway Tokens meter, the ai-token feature, the Token plan, the customer Kong Air and its
# subscription, a few chat calls, and the invoice preview whose ai-token line must bill exactly the tokens counted.
#
# Needs bash and curl only. Settings (environment):
#   TOLLGATE_ADMIN        admin API        (default http://127.0.0.1:8001)
#   TOLLGATE_PROXY        proxy            (default http://127.0.0.1:8000)
#   TOLLGATE_ADMIN_TOKEN  admin API token, when the server was started with --admin-token
#   UPSTREAM_URL          the chat-completions URL ai-proxy calls (default: the fake at
#                         http://127.0.0.1:9999/v1/chat/completions; with OPENAI_API_KEY set, the real OpenAI)
#   OPENAI_API_KEY        the provider key ai-proxy sends upstream (the fake accepts anything)
#   CALLS                 how many POST /chat calls to make (default 3)
#
# Re-runnable against the same server: what exists is reused (PUT upserts, a 409 means "already there"), and the
# checks hold for the usage of every run so far. Exits non-zero with a message when a step or a check fails.
set -euo pipefail
trap 'echo "walkthrough: FAILED: unexpected error at line $LINENO" >&2' ERR

ADMIN="${TOLLGATE_ADMIN:-http://127.0.0.1:8001}"
PROXY="${TOLLGATE_PROXY:-http://127.0.0.1:8000}"
CALLS="${CALLS:-3}"
if [ -n "${UPSTREAM_URL:-}" ]; then
  upstream="$UPSTREAM_URL"
  provider_key="${OPENAI_API_KEY:-fake-openai-key}"
elif [ -n "${OPENAI_API_KEY:-}" ]; then
  upstream="https://api.openai.com/v1/chat/completions"
  provider_key="$OPENAI_API_KEY"
else
  upstream="http://127.0.0.1:9999/v1/chat/completions"
  provider_key="fake-openai-key"
fi

PRICE="0.00002"                   # the seed's price per token, in USD
CONSUMER_KEY="kong-air-key"       # the key-auth key of consumer kong-air
SEED_BODY='{"model":"gpt-4","messages":[{"role":"user","content":"Say this is a test!"}]}'
# Fixed plugin ids make a re-run update the route's plugins (PUT /plugins/{id} upserts) instead of adding twins.
KEY_AUTH_PLUGIN="6d657465-722d-4c6c-8d2d-000000000001"
AI_PROXY_PLUGIN="6d657465-722d-4c6c-8d2d-000000000002"

admin_auth=()
if [ -n "${TOLLGATE_ADMIN_TOKEN:-}" ]; then
  admin_auth=(-H "Authorization: Bearer $TOLLGATE_ADMIN_TOKEN")
fi

die() {
  echo "walkthrough: FAILED: $*" >&2
  exit 1
}

step() {
  echo
  echo "== $1"
}

# request METHOD URL [JSON] [extra curl args...]: sets STATUS and BODY.
request() {
  local method="$1" url="$2" json="${3:-}" out
  shift 3 2>/dev/null || shift $#
  local args=(-sS --max-time 180 -X "$method" -w '\n%{http_code}' "$@")
  if [ -n "$json" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$json")
  fi
  out="$(curl "${args[@]}" "$url")" || die "$method $url: no answer (is it running?)"
  STATUS="${out##*$'\n'}"
  BODY="${out%$'\n'*}"
}

# admin METHOD PATH [JSON]: a request to the admin API.
admin() {
  request "$1" "$ADMIN$2" "${3:-}" ${admin_auth[@]+"${admin_auth[@]}"}
}

# expect CODE...: the last answer's status is one of CODEs, or the walkthrough stops with the answer.
expect() {
  local code
  for code in "$@"; do
    [ "$STATUS" = "$code" ] && return 0
  done
  die "expected HTTP $* but got $STATUS: $BODY"
}

# string FIELD [TEXT]: the first "FIELD":"value" in TEXT (default BODY).
string() {
  printf '%s' "${2-$BODY}" | { grep -o "\"$1\":\"[^\"]*\"" || true; } | head -n 1 | sed 's/^.*:"\(.*\)"$/\1/'
}

# number FIELD [TEXT]: the first "FIELD":123 in TEXT (default BODY).
number() {
  printf '%s' "${2-$BODY}" | { grep -o "\"$1\":[0-9.]*" || true; } | head -n 1 | sed 's/^.*://'
}

# meter_total [FROM]: tokens of subject kong-air from provider openai in the AI Gateway Tokens meter (since FROM).
meter_total() {
  local query="subject=kong-air&filterGroupBy%5Bprovider%5D=openai"
  [ -n "${1:-}" ] && query="$query&from=$1"
  admin GET "/api/v1/meters/kong_konnect_llm_tokens/query?$query"
  expect 200
  printf '%s' "$BODY" | { grep -o '"value":[0-9.]*' || true; } | sed 's/^"value"://' | awk '{ sum += $1 } END { printf "%d\n", sum }'
}

# Exact decimal arithmetic in bash integers: "0.00002" is 2 scaled by 10^5.
digits() { local d="${1#*.}"; [ "$d" = "$1" ] && echo 0 || echo "${#d}"; }
unscaled() { local n="${1/./}"; n="${n#"${n%%[!0]*}"}"; echo "${n:-0}"; }
pow10() { local p=1 i; for ((i = 0; i < $1; i++)); do p=$((p * 10)); done; echo "$p"; }

# cents_of_product QUANTITY PRICE: QUANTITY x PRICE in cents, rounded half away from zero (both non-negative).
cents_of_product() {
  local scale=$(($(digits "$1") + $(digits "$2")))
  local product=$(($(unscaled "$1") * $(unscaled "$2")))
  if [ "$scale" -ge 2 ]; then
    local divisor
    divisor="$(pow10 $((scale - 2)))"
    echo $(((product + divisor / 2) / divisor))
  else
    echo $((product * $(pow10 $((2 - scale)))))
  fi
}

# cents AMOUNT: an amount in cents; fails when it has a non-zero digit below a cent.
cents() {
  local scale
  scale="$(digits "$1")"
  if [ "$scale" -le 2 ]; then
    echo $(($(unscaled "$1") * $(pow10 $((2 - scale)))))
  else
    local divisor
    divisor="$(pow10 $((scale - 2)))"
    [ $(($(unscaled "$1") % divisor)) -eq 0 ] || return 1
    echo $(($(unscaled "$1") / divisor))
  fi
}

dollars() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

case "$CALLS" in '' | *[!0-9]*) die "CALLS must be a whole number, not \"$CALLS\"" ;; esac
request GET "$ADMIN/healthz" "" ${admin_auth[@]+"${admin_auth[@]}"}
[ "$STATUS" = 200 ] || die "$ADMIN/healthz answered $STATUS; start Tollgate first: ./tollgate serve --data \"\$(mktemp -d)\""
echo "Tollgate admin $ADMIN, proxy $PROXY; ai-proxy upstream $upstream"

step "1. Create a Consumer: \"set up a Consumer, Kong Air ... the Consumer needs an API key\""
admin PUT /consumers/kong-air '{"username":"kong-air"}'
expect 200 201
echo "   consumer kong-air: $(string id)"
admin POST /consumers/kong-air/key-auth "{\"key\":\"$CONSUMER_KEY\"}"
expect 201 409
[ "$STATUS" = 201 ] && echo "   key-auth key $CONSUMER_KEY created" || echo "   key-auth key $CONSUMER_KEY already there"

step "2. Configure AI Proxy (the seed's prerequisite): \"the example-service\" with a /chat route"
# Each PUT body names its entity too: a PUT replaces the whole entity.
admin PUT /services/example-service '{"name":"example-service","url":"https://api.openai.com"}'
expect 200 201
admin PUT /routes/chat-route '{"name":"chat-route","paths":["/chat"],"methods":["POST"],"service":{"name":"example-service"}}'
expect 200 201
admin PUT "/plugins/$KEY_AUTH_PLUGIN" '{"name":"key-auth","route":{"name":"chat-route"}}'
expect 200 201
admin PUT "/plugins/$AI_PROXY_PLUGIN" "{\"name\":\"ai-proxy\",\"route\":{\"name\":\"chat-route\"},\"config\":{\"route_type\":\"llm/v1/chat\",
  \"auth\":{\"header_name\":\"Authorization\",\"header_value\":\"Bearer $provider_key\"},
  \"model\":{\"provider\":\"openai\",\"name\":\"gpt-4\",\"options\":{\"upstream_url\":\"$upstream\"}}}}"
expect 200 201
echo "   service example-service, route chat-route (POST /chat), plugins key-auth and ai-proxy (openai, gpt-4)"

step "3. Create a meter: \"Enable AI Gateway Tokens\""
admin POST /api/v1/builtin-meters/kong_konnect_llm_tokens
expect 200 201
echo "   meter $(string slug) (SUM of \$.tokens of kong.llm_request events)"

step "4. Create a feature: \"enter ai-token ... select AI Gateway Tokens ... Group by Provider Equals OpenAI\""
admin POST /api/v1/features '{"key":"ai_token","name":"ai-token","meterSlug":"kong_konnect_llm_tokens","meterGroupByFilters":{"provider":"openai"}}'
expect 201 409
[ "$STATUS" = 201 ] && echo "   feature ai-token (key ai_token): $(string id)" || echo "   feature ai-token (key ai_token) already there"

step "5. Create a Plan and Rate Card: \"Token ... 1 month ... Usage Based ... 0.00002 ... Boolean ... Publish Plan\""
admin GET /api/v1/plans/token
if [ "$STATUS" = 404 ]; then
  admin POST /api/v1/plans "{\"key\":\"token\",\"name\":\"Token\",\"currency\":\"USD\",\"billingCadence\":\"P1M\",
    \"phases\":[{\"key\":\"default\",\"name\":\"Default\",\"rateCards\":[{\"type\":\"usage_based\",\"key\":\"ai_token\",
    \"name\":\"ai-token\",\"featureKey\":\"ai_token\",\"billingCadence\":\"P1M\",\"price\":{\"type\":\"unit\",\"amount\":\"$PRICE\"},
    \"entitlementTemplate\":{\"type\":\"boolean\"}}]}]}"
  expect 201
fi
expect 200 201
plan_id="$(string id)"
if [ "$(string status)" = draft ]; then
  admin POST "/api/v1/plans/$plan_id/publish"
  expect 200
fi
echo "   plan Token (key token): $plan_id, $(string status)"

step "6. Start a subscription: \"Kong Air ... Include usage from kong-air ... Create Subscription\""
admin POST /api/v1/customers '{"name":"Kong Air","key":"kong_air","usageAttribution":{"subjectKeys":["kong-air"]}}'
expect 201 409
admin GET /api/v1/customers/kong_air
expect 200
customer_id="$(string id)"
echo "   customer Kong Air (key kong_air): $customer_id"
admin POST /api/v1/subscriptions '{"customerKey":"kong_air","plan":{"key":"token"}}'
expect 201 409
[ "$STATUS" = 201 ] && echo "   subscription to Token: $(string id)" || echo "   already subscribed: $(printf '%s' "$BODY" | sed 's/.*"detail":"\([^"]*\)".*/\1/')"

step "7. Validate: \"POST /chat\" with the seed's body, $CALLS time(s)"
before="$(meter_total)"
tokens=0
for ((call = 1; call <= CALLS; call++)); do
  request POST "$PROXY/chat" "$SEED_BODY" -H 'Accept: application/json' -H "Authorization: Bearer $CONSUMER_KEY"
  [ "$STATUS" = 200 ] || die "POST /chat answered $STATUS: $BODY (ai-proxy calls $upstream: is it running and reachable?)"
  used="$(number total_tokens)"
  [ -n "$used" ] || die "the answer to POST /chat reports no usage: $BODY"
  tokens=$((tokens + used))
  echo "   call $call: 200, \"$(string content)\", $used tokens"
done
echo "   $tokens tokens in $CALLS call(s)"

step "8. The AI Gateway Tokens meter counts them"
expected=$((before + tokens))
for ((tries = 0; ; tries++)); do
  counted="$(meter_total)"
  [ "$counted" -ge "$expected" ] && break
  [ "$tries" -lt 60 ] || die "after 30 s the meter shows $counted tokens for kong-air, expected $expected ($before before + $tokens now)"
  sleep 0.5
done
echo "   kong_konnect_llm_tokens, subject kong-air, provider openai: $counted tokens ($before before this run)"

step "9. Preview Invoice: \"You'll see in Lines that ai-token is listed\""
admin GET "/api/v1/billing/invoices?customers=$customer_id&statuses=gathering&expand=lines"
expect 200
# The ai-token line, without its detailed lines ("children"), so the first quantity and totals after its name are its own.
line="$(printf '%s' "$BODY" | sed 's/"children":\[[^]]*\]//g' | grep -o '"name":"ai-token",.*' || true)"
[ -n "$line" ] || die "the gathering invoice of Kong Air has no ai-token line: $BODY"
quantity="$(string quantity "$line")"
amount="$(printf '%s' "$line" | grep -o '"totals":{[^}]*}' | head -n 1 | grep -o '"total":"[^"]*"' | sed 's/.*:"\(.*\)"/\1/')"
period_from="$(printf '%s' "$line" | grep -o '"period":{"from":"[^"]*"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')"
echo "   invoice $(string number) ($(string status)), $(string currency)"
printf '   %-10s %-10s %-12s %s\n' line quantity "unit price" amount
printf '   %-10s %-10s %-12s %s\n' ai-token "$quantity" "$PRICE" "$amount"

since="$(meter_total "$period_from")"
[ "$quantity" = "$since" ] ||
  die "the ai-token line bills $quantity tokens, but the meter counted $since tokens for kong-air since $period_from"
want="$(cents_of_product "$quantity" "$PRICE")"
got="$(cents "$amount")" || die "the ai-token line's amount $amount is not in whole cents"
[ "$got" = "$want" ] ||
  die "the ai-token line's amount is $amount, expected round($quantity x $PRICE, 2) = $(dollars "$want")"
echo "   $quantity tokens (all the meter counted since $period_from) x \$$PRICE = \$$(dollars "$want") rounded to cents: OK"
