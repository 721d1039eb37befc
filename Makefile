# Switchboard. `make run` starts the server; `make test` runs the whole suite.
GO ?= go
DATA_DIR ?= ./data

.PHONY: run test test-postgres generate build bench bench-ci fuzz vet console console-deps console-check console-test console-e2e

run:
	$(GO) run ./cmd/switchboard serve --data-dir $(DATA_DIR)

# Loads an in-process server (fresh SQLite file) with signed webhooks while agents
# subscribe and reply, checks nothing is lost, and compares it with raw SQLite and a
# bare durable HTTP server on the same disk. The last line is machine-readable.
bench:
	$(GO) run ./cmd/switchboard bench --duration 10s

# A few seconds of the same load for CI: it fails (non-zero exit) when any accepted
# webhook was lost, stored twice or misrouted, never because of its speed (CI shares
# its machine; the drain waits up to a minute, only as long as it takes).
bench-ci:
	$(GO) run ./cmd/switchboard bench --duration 3s --sqlite-duration 1s --agents 8 --drain-timeout 60s

build:
	$(GO) build -o bin/switchboard ./cmd/switchboard

# The race runtime sleeps a second before every test binary exits, to catch
# races of goroutines still running; 100ms keeps a window for those and saves
# most of a second per package. Options in GORACE from the environment win.
# The console's browser test (console/e2e_test.go) runs here too: console-deps
# installs what it needs, console-check fails when the committed console no
# longer matches the schema or its sources, console-test runs its component tests.
test: vet console-check console-test
	GORACE="atexit_sleep_ms=100 $(GORACE)" SWITCHBOARD_E2E=1 SCREENSHOT_DIR=$(SCREENSHOT_DIR) $(WITH_NODE) \
		$(GO) test -race -count=1 ./...; status=$$?; $(SHOW_SCREENSHOTS); exit $$status

# The whole suite again with every server on PostgreSQL (a throwaway cluster on
# loopback, installed from Debian's packages when missing).
test-postgres: console-check
	GORACE="atexit_sleep_ms=100 $(GORACE)" SWITCHBOARD_E2E=1 SCREENSHOT_DIR=$(SCREENSHOT_DIR) $(WITH_NODE) \
		sh core/store/storetest/with-postgres.sh $(GO) test -race -count=1 ./...; status=$$?; $(SHOW_SCREENSHOTS); exit $$status

# Only the console's browser test, on the console as built now (not checked
# against what is committed, so it runs on work in progress).
console-e2e: console
	SWITCHBOARD_E2E=1 SCREENSHOT_DIR=$(SCREENSHOT_DIR) $(WITH_NODE) \
		$(GO) test -count=1 -run '^TestConsoleInABrowser$$' ./console; status=$$?; $(SHOW_SCREENSHOTS); exit $$status

# Where the browser test saves a screenshot of each page. go test shows a
# passing test's log only with -v, so make names the folder after the run,
# whether the test passed or failed (and says nothing when it did not run).
SCREENSHOT_DIR ?= $(CURDIR)/console/test-results/screenshots
SHOW_SCREENSHOTS = test ! -d "$(SCREENSHOT_DIR)" || echo "console browser test: a screenshot of every page in $(SCREENSHOT_DIR)"

# Where console-deps installs a Node.js of its own (from the npm registry) when
# the one on PATH is missing or older than the console's packages accept
# (^20.19.0 or >=22.12.0; Debian bookworm has 18). The console's targets and the
# browser test put its bin first on PATH; it stays empty when the system's will do.
NODE_TOOLS ?= $(CURDIR)/console/.node
WITH_NODE = PATH="$(NODE_TOOLS)/bin:$$PATH"

# A supported Node.js (console/ensure-node.sh: Debian's nodejs and npm, then
# Node.js 22 from npm when that is too old), the console's npm packages (exact
# versions from console/package-lock.json) and Debian's Chromium for the
# browser test.
console-deps:
	@sh console/ensure-node.sh $(NODE_TOOLS)
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	@test console/node_modules/.package-lock.json -nt console/package-lock.json || (cd console && $(WITH_NODE) npm ci --no-audit --no-fund)

# Rebuilds the console (TypeScript types from the schema, type check, bundle)
# into console/dist, which is committed and embedded in the binary.
console: console-deps
	cd console && $(WITH_NODE) npm run build

# Builds the console and fails when the result differs from what is committed:
# a schema change that breaks the console, or sources changed without a build.
console-check: console
	@git diff --exit-code --stat -- console/dist console/src/gql || (echo "console/dist or console/src/gql is stale: run make console and commit"; exit 1)

# The console's component and unit tests (vitest with jsdom, console/src/**/*.test.ts[x]):
# no server and no browser, the network is faked.
console-test: console-deps
	cd console && $(WITH_NODE) npm test

vet:
	$(GO) vet ./...

# Regenerates ent (and graph/ent.graphql through entgql), then gqlgen, then
# genqlient, in that order: each step reads what the previous one wrote.
# gqlgen runs through graph/gqlgen, which has the executor resolve an object's
# fields and a list's elements in order rather than on goroutines of their own.
generate:
	$(GO) run -mod=mod ./ent/entc.go
	$(GO) run ./graph/gqlgen --config gqlgen.yml
	$(GO) tool genqlient client/genqlient.yaml

# A short coverage-guided run of every fuzz target over outside input (webhook
# parsers, signature checks, settings validation). Counts, not durations: Go
# 1.26's fuzzer can end a timed run with a spurious "context deadline exceeded".
FUZZ_COUNT ?= 3000x
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/telegram/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/telegram/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/custom/
	$(GO) test -run='^$$' -fuzz='^FuzzVerify$$' -fuzztime=$(FUZZ_COUNT) ./providers/custom/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/viber/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/viber/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/line/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/line/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/twilio/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/twilio/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/facebook/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/facebook/
	$(GO) test -run='^$$' -fuzz='^FuzzRouteKeys$$' -fuzztime=$(FUZZ_COUNT) ./providers/facebook/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/whatsappcloud/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/whatsappcloud/
	$(GO) test -run='^$$' -fuzz='^FuzzRouteKeys$$' -fuzztime=$(FUZZ_COUNT) ./providers/whatsappcloud/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/twitter/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/twitter/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/nexmo/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/nexmo/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/infobip/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/infobip/
	$(GO) test -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/wechat/
	$(GO) test -run='^$$' -fuzz='^FuzzVerifyWebhook$$' -fuzztime=$(FUZZ_COUNT) ./providers/wechat/
	$(GO) test -run='^$$' -fuzz='^FuzzDecrypt$$' -fuzztime=$(FUZZ_COUNT) ./providers/wechat/
	$(GO) test -run='^$$' -fuzz='^FuzzApplyValues$$' -fuzztime=$(FUZZ_COUNT) ./core/accounts/
	$(GO) test -run='^$$' -fuzz='^FuzzParsePrivateKey$$' -fuzztime=$(FUZZ_COUNT) ./providers/nexmo/
	$(GO) test -run='^$$' -fuzz='^FuzzParseValidate$$' -fuzztime=$(FUZZ_COUNT) ./core/scenario/
	$(GO) test -run='^$$' -fuzz='^FuzzStep$$' -fuzztime=$(FUZZ_COUNT) ./core/scenario/
	$(GO) test -run='^$$' -fuzz='^FuzzSplitText$$' -fuzztime=$(FUZZ_COUNT) ./providers/
	$(GO) test -run='^$$' -fuzz='^FuzzOpenLink$$' -fuzztime=$(FUZZ_COUNT) ./core/media/
	$(GO) test -run='^$$' -fuzz='^FuzzMultipartForm$$' -fuzztime=$(FUZZ_COUNT) ./server/
