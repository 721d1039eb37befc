package bench

import (
	"context"
	"fmt"
	"sync"

	"github.com/switchboard/switchboard/client"
)

// AgentTokens creates n agents (users with the AGENT role) named
// "<prefix>-<i>" through admin, a client with an admin token, and returns an
// API token of each. Creation runs a few at a time: the server has one writer.
func AgentTokens(ctx context.Context, admin *client.Client, prefix string, n int) ([]string, error) {
	tokens := make([]string, n)
	next := make(chan int)
	errs := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var workers sync.WaitGroup
	for range 4 {
		workers.Go(func() {
			for i := range next {
				tok, err := agentToken(ctx, admin, fmt.Sprintf("%s-%d", prefix, i))
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					cancel()
					return
				}
				tokens[i] = tok
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	workers.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return tokens, ctx.Err()
}

// agentToken creates the agent name and an API token of it.
func agentToken(ctx context.Context, admin *client.Client, name string) (string, error) {
	u, err := client.CreateUser(ctx, admin, client.CreateUserInput{Name: name, Role: client.UserRoleAgent})
	if err != nil {
		return "", fmt.Errorf("bench: create agent %s: %w", name, err)
	}
	tok, err := client.CreateApiToken(ctx, admin, client.CreateApiTokenInput{UserId: u.CreateUser.Id, Name: "bench"})
	if err != nil {
		return "", fmt.Errorf("bench: token of agent %s: %w", name, err)
	}
	return tok.CreateApiToken.Token, nil
}
