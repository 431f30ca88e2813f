//! 用户与角色, and one's own account (password, API tokens).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jxc_core::ids::{ApiTokenId, UserId};
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_core::users::{User, UserInput};
use jxc_store::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{ListQuery, Me};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(
    me,
    change_password,
    my_tokens,
    create_token,
    revoke_token,
    list_users,
    create_user,
    get_user,
    update_user,
    reset_password
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{Dashboard, UsersManage};
    super::routes_of()
        .get("/me", Dashboard, me)
        .post("/me/password", Dashboard, change_password)
        .get("/me/tokens", Dashboard, my_tokens)
        .post("/me/tokens", Dashboard, create_token)
        .post("/me/tokens/{id}/revoke", Dashboard, revoke_token)
        .get("/users", UsersManage, list_users)
        .post("/users", UsersManage, create_user)
        .get("/users/{id}", UsersManage, get_user)
        .patch("/users/{id}", UsersManage, update_user)
        .post("/users/{id}/password", UsersManage, reset_password)
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "users", responses((status = 200, body = User)))]
async fn me(me: Me) -> Json<User> {
    Json(me.0.user)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password (the current one is required). Ends every session.
#[utoipa::path(post, path = "/me/password", tag = "users", request_body = PasswordChange, responses((status = 204), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(s): State<AppState>,
    me: Me,
    ApiJson(p): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    s.app
        .change_own_password(&me.0.user, &p.current_password, &p.new_password, "api")
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One's own API tokens (without the token texts).
#[utoipa::path(get, path = "/me/tokens", tag = "users", responses((status = 200, body = Vec<ApiToken>)))]
async fn my_tokens(State(s): State<AppState>, me: Me) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(s.app.api_tokens(me.0.user.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for, e.g. “ERP sync”.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: ApiToken,
    /// The token: shown this once, stored only as a hash.
    pub token: String,
}

/// Make an API token for oneself. It acts with one's own roles.
#[utoipa::path(post, path = "/me/tokens", tag = "users", request_body = NewToken, responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(s): State<AppState>,
    me: Me,
    ApiJson(t): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let (info, token) = s
        .app
        .create_api_token(me.0.user.id, &t.name, &me.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { info, token })))
}

/// Revoke one of one's own API tokens.
#[utoipa::path(post, path = "/me/tokens/{id}/revoke", tag = "users", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.app
        .revoke_api_token(me.0.user.id, ApiTokenId(id), &me.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List users (admin).
#[utoipa::path(get, path = "/users", tag = "users", params(ListQuery), responses((status = 200, body = Page<User>)))]
async fn list_users(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<User>>> {
    Ok(Json(s.app.users(&q.filter(None)?, &q.page()?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserBody {
    #[serde(flatten)]
    pub user: UserInput,
    /// The first password (8–128 characters).
    pub password: String,
}

/// Create a user (admin).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserBody, responses((status = 201, body = User), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_user(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let u = s.app.create_user(&b.user, &b.password, &me.actor()).await?;
    Ok((StatusCode::CREATED, Json(u)))
}

#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
async fn get_user(State(s): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<User>> {
    Ok(Json(s.app.user(UserId(id)).await?))
}

/// Change a user's name, roles, limits or `active` (admin). Disabling a user ends their
/// sessions and stops their API tokens.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserInput, responses((status = 200, body = User), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        s.app.update_user(UserId(id), &input, &me.actor()).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordReset {
    pub password: String,
}

/// Set a user's password (admin). Ends the user's sessions.
#[utoipa::path(post, path = "/users/{id}/password", tag = "users", params(("id" = i64, Path)), request_body = PasswordReset, responses((status = 204), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(p): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    s.app
        .set_password(UserId(id), &p.password, &me.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
