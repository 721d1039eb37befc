package core

import "time"

// The statuses of a MediaState.
const (
	MediaPending = "PENDING"
	MediaReady   = "READY"
	MediaFailed  = "FAILED"
)

// MediaState is the local copy of one attachment: Switchboard keeps media in its
// data folder so it still opens after the provider's link expires.
type MediaState struct {
	// Status is PENDING, READY or FAILED.
	Status   string    `json:"status"`
	Error    string    `json:"error,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
	NextAt   time.Time `json:"nextAt,omitzero"`
	// File is the copy's name in the media folder.
	File     string `json:"file,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	Size     int64  `json:"size,omitempty"`
}
