package graph

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/graph/model"
)

// SharedEvents renders each conversation event once per selection and
// audience instead of once per subscriber. When a thousand agents watch the
// unassigned queue, every new conversation would otherwise be executed and
// encoded a thousand times. Subscribers whose operation text, variables,
// tenant and role match (and, for agents, whose selection reads nothing that
// depends on who is asking, or who are the same agent) get the same
// response, rendered by whichever of them came first.
//
// It works with conversationEvents: the resolver hands its stream to the
// extension (streamSlot), which takes each event itself, answers from the
// event's cache when it can, and lets gqlgen execute only on a miss.
type SharedEvents struct {
	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = (*SharedEvents)(nil)

// ExtensionName names the extension for gqlgen.
func (*SharedEvents) ExtensionName() string { return "SharedEvents" }

// Validate keeps the schema, to tell viewer-independent selections.
func (s *SharedEvents) Validate(es graphql.ExecutableSchema) error {
	s.schema = es.Schema()
	return nil
}

type streamSlotKey struct{}

// streamSlot connects a subscription's resolver and the extension.
type streamSlot struct {
	// base identifies the operation (text, name, variables).
	base string
	// anyAgent is set when the selection reads only what is the same for
	// every agent who may receive the event.
	anyAgent bool
	// src is the stream of events; to is what gqlgen reads on a miss.
	src <-chan *inbox.Published
	to  chan *model.ConversationEvent
	// ended is set once src has closed: gqlgen may ask again after the
	// stream's final error.
	ended bool
}

// InterceptOperation prepares a slot for event subscriptions.
func (s *SharedEvents) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	vars, err := json.Marshal(oc.Variables)
	if err != nil {
		return next(ctx)
	}
	slot := &streamSlot{
		base:     oc.RawQuery + "\x00" + oc.OperationName + "\x00" + string(vars),
		anyAgent: s.schema != nil && s.rootIndependent(oc.Operation.SelectionSet),
	}
	return next(context.WithValue(ctx, streamSlotKey{}, slot))
}

// InterceptResponse answers each event from the shared rendering when there is one.
func (s *SharedEvents) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	slot, _ := ctx.Value(streamSlotKey{}).(*streamSlot)
	if slot == nil || slot.src == nil || slot.ended {
		return next(ctx)
	}
	var p *inbox.Published
	var ok bool
	select {
	case p, ok = <-slot.src:
	case <-ctx.Done():
		return nil
	}
	if !ok {
		slot.ended = true
		close(slot.to)
		return next(ctx) // gqlgen sees the end of the stream
	}
	key := slot.audience(ctx)
	if key == "" {
		slot.to <- eventModel(p)
		return next(ctx)
	}
	// The first subscriber of an audience renders; the others wait for it.
	entry, loaded := p.Rendered.LoadOrStore(key, &rendering{done: make(chan struct{})})
	r := entry.(*rendering)
	if loaded {
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil
		}
		if r.resp != nil {
			resp := *r.resp
			return &resp
		}
		slot.to <- eventModel(p) // its renderer failed: render alone
		return next(ctx)
	}
	defer close(r.done)
	slot.to <- eventModel(p)
	resp := next(ctx)
	if resp != nil {
		shared := *resp
		// gqlgen reuses a subscription's buffer for its next event: keep a copy.
		shared.Data = append(json.RawMessage(nil), resp.Data...)
		r.resp = &shared
	}
	return resp
}

// rendering is one audience's response to an event, shared once done closes.
type rendering struct {
	done chan struct{}
	resp *graphql.Response
}

// audience is the cache key of the viewer as it is now; "" when no other
// subscriber could share the rendering (an agent's own selection), which is
// then not kept.
func (slot *streamSlot) audience(ctx context.Context) string {
	v, ok := core.ViewerFrom(ctx)
	if !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString(slot.base)
	b.WriteString("\x00")
	b.WriteString(strconv.Itoa(v.TenantID))
	b.WriteString("\x00")
	b.WriteString(string(v.Role))
	if v.Role == core.RoleAgent && !slot.anyAgent {
		return ""
	}
	return b.String()
}

// preloaded are the edges an event comes with, read without a query.
var preloaded = map[string]bool{
	"ConversationEvent.conversation":  true,
	"ConversationEvent.message":       true,
	"ConversationEvent.offer":         true,
	"Conversation.contact":            true,
	"Conversation.integrationAccount": true,
	"Conversation.assignee":           true,
	"Conversation.service":            true,
	"Message.sender":                  true,
}

// rootIndependent checks the selections under the event subscriptions.
func (s *SharedEvents) rootIndependent(set ast.SelectionSet) bool {
	for _, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok || (f.Name != "inboxEvents" && f.Name != "conversationEvents") || !s.viewerIndependent(f.SelectionSet, 1) {
			return false
		}
	}
	return true
}

// viewerIndependent reports whether a selection reads only the event's own
// data: no arguments, and no edge to another record but the preloaded ones
// (an edge's query would apply the agent's own visibility).
func (s *SharedEvents) viewerIndependent(set ast.SelectionSet, depth int) bool {
	if depth > 32 {
		return false
	}
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			if f.Name == "__typename" {
				continue
			}
			if f.Definition == nil || len(f.Arguments) > 0 {
				return false
			}
			if f.SelectionSet == nil {
				continue
			}
			parent := ""
			if f.ObjectDefinition != nil {
				parent = f.ObjectDefinition.Name
			}
			if !preloaded[parent+"."+f.Name] && s.isRecord(f.Definition.Type.Name()) {
				return false
			}
			if !s.viewerIndependent(f.SelectionSet, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			if f.Definition == nil || !s.viewerIndependent(f.Definition.SelectionSet, depth+1) {
				return false
			}
		case *ast.InlineFragment:
			if !s.viewerIndependent(f.SelectionSet, depth+1) {
				return false
			}
		}
	}
	return true
}

// isRecord reports whether a type is a stored record (a Node) or a list of
// them (a connection), which are read with the viewer's visibility.
func (s *SharedEvents) isRecord(name string) bool {
	def := s.schema.Types[name]
	if def == nil {
		return true
	}
	if strings.HasSuffix(name, "Connection") || strings.HasSuffix(name, "Edge") {
		return true
	}
	for _, i := range def.Interfaces {
		if i == "Node" {
			return true
		}
	}
	return false
}

// eventModel is the GraphQL shape of a published event.
func eventModel(p *inbox.Published) *model.ConversationEvent {
	return &model.ConversationEvent{Cursor: strconv.Itoa(p.Cursor), Kind: model.ConversationEventKind(p.Kind), Conversation: p.Conversation, Message: p.Message, Offer: p.Offer}
}
