/** A round avatar: the session's image (a data: URL from the server) or the initial. */
interface AvatarProps {
  name: string;
  image: string | null;
  size?: number;
}

export function Avatar({ name, image, size = 28 }: AvatarProps) {
  const style = { width: size, height: size };
  const safeImage = image?.startsWith('data:image/') ? image : null;
  if (safeImage) return <img className="avatar" src={safeImage} alt="" style={style} />;
  return (
    <span className="avatar avatar-initial" style={style} aria-hidden="true">
      {(name.trim()[0] ?? '?').toUpperCase()}
    </span>
  );
}
