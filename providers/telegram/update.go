package telegram

// The subset of the Bot API's Update object (https://core.telegram.org/bots/api#update)
// that Switchboard maps to events. Fields the mapping does not read are left out.

type update struct {
	// UpdateID is a pointer so that a missing update_id is told apart from 0.
	UpdateID      *int64             `json:"update_id"`
	Message       *message           `json:"message"`
	EditedMessage *message           `json:"edited_message"`
	CallbackQuery *callbackQuery     `json:"callback_query"`
	MyChatMember  *chatMemberUpdated `json:"my_chat_member"`
}

type user struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
	// LanguageCode is the IETF tag of the user's app language, when known.
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type message struct {
	MessageID    int64  `json:"message_id"`
	From         *user  `json:"from"`
	Chat         *chat  `json:"chat"`
	Date         int64  `json:"date"`
	EditDate     int64  `json:"edit_date"`
	MediaGroupID string `json:"media_group_id"`
	Text         string `json:"text"`
	Caption      string `json:"caption"`

	Photo     []photoSize `json:"photo"`
	Animation *file       `json:"animation"`
	Document  *file       `json:"document"`
	Video     *file       `json:"video"`
	VideoNote *file       `json:"video_note"`
	Audio     *file       `json:"audio"`
	Voice     *file       `json:"voice"`
	Sticker   *sticker    `json:"sticker"`
	Location  *location   `json:"location"`
	Venue     *venue      `json:"venue"`
	Contact   *contact    `json:"contact"`
}

type photoSize struct {
	FileID   string `json:"file_id"`
	Width    int64  `json:"width"`
	Height   int64  `json:"height"`
	FileSize int64  `json:"file_size"`
}

// file is the common shape of Document, Video, VideoNote, Audio, Voice and Animation.
type file struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	MimeType string `json:"mime_type"`
	FileSize int64  `json:"file_size"`
}

type sticker struct {
	FileID     string `json:"file_id"`
	IsAnimated bool   `json:"is_animated"`
	IsVideo    bool   `json:"is_video"`
	FileSize   int64  `json:"file_size"`
}

type location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type venue struct {
	Location location `json:"location"`
	Title    string   `json:"title"`
	Address  string   `json:"address"`
}

type contact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
}

type callbackQuery struct {
	ID   string `json:"id"`
	From *user  `json:"from"`
	// Message is the bot's message with the button; absent for inline-mode
	// messages, and an InaccessibleMessage (chat, message_id, date 0) when old.
	Message *message `json:"message"`
	Data    string   `json:"data"`
}

type chatMemberUpdated struct {
	Chat          *chat      `json:"chat"`
	From          *user      `json:"from"`
	Date          int64      `json:"date"`
	OldChatMember chatMember `json:"old_chat_member"`
	NewChatMember chatMember `json:"new_chat_member"`
}

type chatMember struct {
	Status   string `json:"status"`
	IsMember bool   `json:"is_member"`
}
