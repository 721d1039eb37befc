// Package sysmsg decides what Switchboard tells a customer on its own, without an
// agent typing it: the system messages of chat events such as "queued", "agent
// joined" or "conversation closed".
//
// Every event has a built-in text. A tenant may replace it with its own default
// text, and every integration account chooses per event between its own text
// (CUSTOM), the tenant's default (DEFAULT, also when it never chose) and nothing
// at all (DISABLED). Texts take variables written as a word in braces:
// {customerName}, {agentName}, {position} and {wait}. Texts are checked when
// saved, so a typo in a variable is refused then, not sent to customers later.
//
// The routing code asks Service.Text for the message of an event; the answer
// comes from a cache that every change empties at once. PositionLimiter keeps
// queue-position updates from flooding a waiting customer.
package sysmsg
