package supervision

import (
	"context"

	"github.com/switchboard/switchboard/ent"
)

// WaitingRows exposes the one read that states the tenant itself (see
// waitingIn), so a test pins that it reads the viewer's tenant only.
func (s *Service) WaitingRows(ctx context.Context) ([]*ent.Conversation, error) {
	return s.waiting(ctx)
}
